/**
 * Pages of jobs read without reading again the jobs this process has read before and that have
 * not changed since: a page that was served from kept jobs last time is read as its job ids and
 * row versions first, and only the jobs whose version is not kept are read in full, in a second
 * round trip when there are any. Any other page is read in full in one statement, as before.
 *
 * A job's version is its row's `xmin` and each of its steps' (the transaction that wrote the row
 * version read): every update of a row writes a new version with the updating transaction's id,
 * so a job or step changed by any process, in any way, has a version not seen before. (Npgsql's
 * Entity Framework provider uses `xmin` as its row version in the same way.) A record is the rows
 * read in one statement, so it is always one consistent state of the job.
 *
 * Which way a page is read follows from its last read: ids first only where most of its jobs were
 * kept, and only for a page without a filter. A page read once (a walk through every page) is read
 * in full and keeps nothing, so it costs what it did before there was anything kept; keeping costs
 * garbage collection when what is kept is soon let go.
 *
 * Kept records are shared by every reader of a page: no reader may change one. (They are not
 * frozen: freezing every object of 50 jobs cost more than reading them, and made every reader of
 * a record see two shapes of it.)
 */
import { runStatement, type Database, type DriverRow } from '../db/client.js';
import { Recent } from '../support/recent.js';
import { JOB_WITH_STEP_COLUMNS, jobRecordFromRows, rowsOfEachJob } from './job-rows.js';
import type { JobRecord } from './repository.js';

/** How many jobs a process keeps: the pages of a few dashboards, about 10 MB (2 KB a job of one step). */
export const KEPT_JOBS = 5_000;
/**
 * How many pages' last reads a process remembers: as many pages of 50 as it keeps jobs. A page
 * read again only after more reads of others than that would not find its jobs kept anyway.
 */
const REMEMBERED_PAGES = KEPT_JOBS / 50;

/** What a page's subquery selects of each job: its columns and its version. */
export const PAGE_JOB_COLUMNS = 'jobs.*, jobs.xmin as version';

/** A page's statement: `page` selects its jobs (`PAGE_JOB_COLUMNS`) in `order`; `also` adds columns to each row. */
export interface PageStatement {
  page: string;
  order: string;
  also: string;
  params: readonly unknown[];
  /**
   * Whether the page is filtered: then it is always read in one statement, so that a job changed
   * between two statements never shows in a page whose filter it no longer matches. (Its text is
   * not prepared either, so that arbitrary filters never fill the connections' caches.)
   */
  filtered: boolean;
}

/**
 * The versions of a job-with-steps row (`"job.xmin"`, `"step.xmin"`), for a statement that joins
 * `jobs` and `job_steps` and selects the job's id as `"job.id"`. A page's subquery selects the
 * job's `xmin` as `version`.
 */
const versionColumns = (jobXmin: string) =>
  `${jobXmin}::text as "job.xmin", job_steps.xmin::text as "step.xmin"`;

/** The page's jobs and their steps, one row per step, in the page's order then step order. */
const ofPage = (columns: string, { page, order, also }: PageStatement) => `select ${columns}${also}
  from (${page}) as jobs join job_steps on job_steps.job_id = jobs.id
  order by ${order}, job_steps.position`;

/**
 * Jobs in full by id, in the order given, with their versions. (Joined from the ids, each job is
 * found by its key; as `id in (…)`, the planner chose a hash join over every job.)
 */
const JOBS_BY_ID = `select ${JOB_WITH_STEP_COLUMNS}, ${versionColumns('jobs.xmin')}
  from json_array_elements_text($1::json) with ordinality as wanted(id, position)
  join jobs on jobs.id = wanted.id join job_steps on job_steps.job_id = jobs.id
  order by wanted.position, job_steps.position`;

/** A job's version, of its rows (in step order) with their versions. */
const versionOf = (rows: readonly DriverRow[]) =>
  `${rows[0]!['job.xmin'] as string}:${rows.map((row) => row['step.xmin'] as string).join(',')}`;

/** A page as read: its jobs, and what the page's statement selected. */
export interface PageRead {
  records: JobRecord[];
  /** The statement's first and last rows (for the columns `also` added), if it selected any job. */
  first?: DriverRow;
  last?: DriverRow;
  /** How many jobs the statement selected (a job deleted before it was read in full is not in `records`). */
  selected: number;
}

export class JobVersions {
  private readonly jobs = new Recent<{ version: string; record: JobRecord }>(KEPT_JOBS);
  /** Of each page read lately: whether most of its jobs were kept. */
  private readonly pages = new Recent<boolean>(REMEMBERED_PAGES);

  /** The page's jobs, and what its statement selected (for the columns `also` added). */
  async read(db: Database, statement: PageStatement): Promise<PageRead> {
    const key = `${statement.page}\0${JSON.stringify(statement.params)}`;
    // Whether most of the page's jobs were kept when it was last read; undefined: not read lately.
    const lastRead = statement.filtered ? undefined : this.pages.get(key);
    const read = lastRead
      ? await this.readByVersion(db, statement)
      : await this.readInFull(db, statement, lastRead !== undefined);
    if (!statement.filtered) this.pages.set(key, read.keptShare >= 0.5);
    return read;
  }

  /** The page in one statement; with `keep`, its jobs not kept yet are kept. */
  private async readInFull(db: Database, statement: PageStatement, keep: boolean) {
    const rows = await runStatement(
      db,
      ofPage(`${JOB_WITH_STEP_COLUMNS}, ${versionColumns('jobs.version')}`, statement),
      statement.params,
      { prepare: !statement.filtered },
    );
    let kept = 0;
    const records = rowsOfEachJob(rows).map((jobRows) => {
      const id = jobRows[0]!['job.id'] as string;
      const version = versionOf(jobRows);
      const known = this.known(id, version);
      if (known) {
        kept++;
        return known;
      }
      const record = jobRecordFromRows(jobRows)!;
      if (keep) this.jobs.set(id, { version, record });
      return record;
    });
    return {
      records,
      first: rows[0],
      last: rows.at(-1),
      selected: records.length,
      keptShare: kept / Math.max(records.length, 1),
    };
  }

  /** The page's versions, then the jobs not kept at those versions (a job deleted meanwhile is left out). */
  private async readByVersion(db: Database, statement: PageStatement) {
    // Never filtered (see `filtered`), so prepared.
    const rows = await runStatement(
      db,
      ofPage(`jobs.id as "job.id", ${versionColumns('jobs.version')}`, statement),
      statement.params,
    );
    const page = rowsOfEachJob(rows).map((jobRows) => ({
      id: jobRows[0]!['job.id'] as string,
      version: versionOf(jobRows),
    }));
    const known = page.map(({ id, version }) => this.known(id, version));
    const unknown = page.filter((_, i) => !known[i]).map(({ id }) => id);
    const keptShare = (page.length - unknown.length) / Math.max(page.length, 1);
    const ofStatement = { first: rows[0], last: rows.at(-1), selected: page.length, keptShare };
    if (unknown.length === 0) return { records: known as JobRecord[], ...ofStatement };
    const read = new Map<string, JobRecord>();
    for (const jobRows of rowsOfEachJob(await runStatement(db, JOBS_BY_ID, [JSON.stringify(unknown)]))) {
      const record = jobRecordFromRows(jobRows)!;
      read.set(record.id, record);
      this.jobs.set(record.id, { version: versionOf(jobRows), record });
    }
    return {
      records: page.flatMap(({ id }, i) => known[i] ?? read.get(id) ?? []),
      ...ofStatement,
    };
  }

  private known(id: string, version: string): JobRecord | undefined {
    const kept = this.jobs.get(id);
    return kept?.version === version ? kept.record : undefined;
  }
}
