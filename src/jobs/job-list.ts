/**
 * Lists of jobs, each page in one statement: the page's jobs joined with their steps and, for an
 * offset page, the total that matches (or, where the process keeps the page's jobs, their
 * versions first: job-versions.ts). An offset page of one workspace's jobs whose start the
 * process learned is found from there rather than by skipping the jobs before it (page-starts.ts).
 * The statements are written here from the query's shape.
 * A shape without a filter (a handful: which workspaces, the order, which cursor, the usual page
 * sizes) is prepared, so the most frequent page is neither parsed nor planned again; a filtered
 * one is sent as it is, so that arbitrary filters never fill the connections' caches of prepared
 * statements.
 */
import { getTableColumns } from 'drizzle-orm';
import { runStatement, type Database } from '../db/client.js';
import {
  JOB_LIST_FILTER_FIELDS,
  JOB_ROW_KEYS,
  JOB_TIME_FILTER_FIELDS,
  TIME_BOUNDS,
  type JobListFilter,
  type SortField,
  type TimeBound,
  type Workspaces,
} from './job-query.js';
import { PAGE_JOB_COLUMNS, type JobVersions } from './job-versions.js';
import { FIXED_ORDER_FIELDS, jobsStateOf, type PageStarts } from './page-starts.js';
import type { JobRecord } from './repository.js';
import { jobs, type JobRow } from './tables.js';

export interface JobListQuery {
  filter: JobListFilter;
  sort: { field: SortField; descending: boolean };
  limit: number;
  offset: number;
}

/** A position in a keyset-paged job list: the sort column's value and the id that breaks ties. */
export interface JobKey {
  value: string | Date;
  id: string;
}

export interface JobPageQuery {
  filter: JobListFilter;
  sort: { field: SortField; descending: boolean };
  after?: JobKey;
  before?: JobKey;
  /** Take from the start of the window (first) or from its end (last). */
  take: { first: number } | { last: number };
}

const columns = getTableColumns(jobs);
/** The SQL column behind an API field, and the type its values are cast to. */
const columnOf = (field: SortField | keyof typeof JOB_ROW_KEYS) => {
  const column = columns[JOB_ROW_KEYS[field]];
  return { sql: `jobs."${column.name}"`, type: column.getSQLType() };
};

/** The SQL comparison each bound of a time range makes. */
const BOUND_OPERATORS = { gte: '>=', lte: '<=', gt: '>', lt: '<' } satisfies Record<TimeBound, string>;

/**
 * Page sizes written into a page's text rather than passed as a parameter. PostgreSQL plans a
 * prepared statement whose LIMIT is a parameter again at every execution (its generic plan assumes
 * a tenth of the table, so it never looks cheaper than a custom one); with the LIMIT in the text it
 * is planned once per connection. Only these sizes (the defaults and the usual choices), so that a
 * client trying every size cannot fill the connections' caches of prepared statements.
 */
const PAGE_SIZES_IN_TEXT = new Set([10, 20, 25, 50, 100]);

/**
 * How deep an unfiltered offset page must start for its jobs to be found by id first: the skip then
 * reads only the index of the sort (no job rows), at the price of a lookup by id per job of the
 * page and a statement that takes longer to plan. Measured on 30,000 jobs of one step, the two
 * break even between 1,000 and 2,000 jobs in; 5,000 in, a page costs PostgreSQL half as much.
 */
const IDS_FIRST_FROM_OFFSET = 1_000;

/** A statement's text and parameters, written together. */
class Statement {
  readonly params: unknown[] = [];
  /** A placeholder for `value`, cast to `type`. */
  param(value: unknown, type: string): string {
    this.params.push(value instanceof Date ? value.toISOString() : value);
    return `$${this.params.length}::${type}`;
  }
  /** `limit` for a page of `pageSize` (plus `extra` rows); see `PAGE_SIZES_IN_TEXT`. */
  limit(pageSize: number, extra = 0): string {
    const rows = pageSize + extra;
    return `limit ${PAGE_SIZES_IN_TEXT.has(pageSize) ? rows : this.param(rows, 'int')}`;
  }
  /** `offset`, left out for the first page, whose text is then planned once like any other. */
  offset(rows: number): string {
    return rows > 0 ? ` offset ${this.param(rows, 'bigint')}` : '';
  }
  /** `column` is any of `values` (passed as one JSON array, so the text does not depend on how many). */
  anyOf(column: string, values: readonly string[]): string {
    return `${column} in (select json_array_elements_text(${this.param(JSON.stringify(values), 'json')}))`;
  }
}

function inWorkspaces(statement: Statement, workspaces: Workspaces, column: string): string[] {
  if (workspaces === undefined) return [];
  if (typeof workspaces === 'string') return [`${column} = ${statement.param(workspaces, 'text')}`];
  return [workspaces.length > 0 ? statement.anyOf(column, workspaces) : 'false'];
}

/** Whether a filter leaves any job of the workspaces out. */
function narrows(filter: JobListFilter): boolean {
  return (
    JOB_LIST_FILTER_FIELDS.some((field) => filter[field] !== undefined) ||
    JOB_TIME_FILTER_FIELDS.some((field) => TIME_BOUNDS.some((bound) => filter[field]?.[bound] !== undefined))
  );
}

/** The conditions a job of the listing meets. */
function matching(statement: Statement, workspaces: Workspaces, filter: JobListFilter): string[] {
  const conditions = inWorkspaces(statement, workspaces, 'jobs.workspace');
  for (const field of JOB_LIST_FILTER_FIELDS) {
    const values = filter[field];
    if (values) conditions.push(statement.anyOf(columnOf(field).sql, values));
  }
  for (const field of JOB_TIME_FILTER_FIELDS) {
    const column = columnOf(field);
    for (const bound of TIME_BOUNDS) {
      const at = filter[field]?.[bound];
      if (at) conditions.push(`${column.sql} ${BOUND_OPERATORS[bound]} ${statement.param(at, column.type)}`);
    }
  }
  return conditions;
}

const where = (conditions: string[]) => (conditions.length > 0 ? `where ${conditions.join(' and ')}` : '');

/** Ties are broken by id, so paging never repeats or skips a job. */
function orderBy(field: SortField, descending: boolean): string {
  const direction = descending ? 'desc' : 'asc';
  return `${columnOf(field).sql} ${direction}, jobs.id ${direction}`;
}

/**
 * How many jobs match, as a scalar subquery. Without a filter that is the workspaces' counts,
 * which a trigger keeps (a few rows, however many jobs); with one, the matching jobs are counted
 * (by `conditions` when the statement has them already, so their parameters are not sent twice).
 */
function totalOf(
  statement: Statement,
  workspaces: Workspaces,
  filter: JobListFilter,
  conditions?: string[],
): string {
  return narrows(filter)
    ? `(select count(*)::int from jobs ${where(conditions ?? matching(statement, workspaces, filter))})`
    : `(select coalesce(sum(job_counts.jobs), 0)::int from job_counts ${where(inWorkspaces(statement, workspaces, 'job_counts.workspace'))})`;
}

const run = (db: Database, statement: Statement, text: string, filter: JobListFilter) =>
  runStatement(db, text, statement.params, { prepare: !narrows(filter) });

/** The page's statement for `JobVersions.read`. */
const pageStatement = (
  statement: Statement,
  page: string,
  order: string,
  filter: JobListFilter,
  also = '',
) => ({
  page,
  order,
  also,
  params: statement.params,
  filtered: narrows(filter),
});

/** How many jobs match. */
export async function countJobs(
  db: Database,
  workspaces: Workspaces,
  filter: JobListFilter,
): Promise<number> {
  const statement = new Statement();
  const [row] = await run(db, statement, `select ${totalOf(statement, workspaces, filter)} as total`, filter);
  return row!.total as number;
}

/**
 * The list whose page starts `starts` keeps (page-starts.ts), if a page's start can be learned:
 * one workspace's jobs, unfiltered, in an order only creates and deletes change.
 */
function listOfStarts(workspaces: Workspaces, query: JobListQuery): string | undefined {
  if (typeof workspaces !== 'string' || narrows(query.filter) || !FIXED_ORDER_FIELDS.has(query.sort.field)) {
    return undefined;
  }
  return `${workspaces}\0${query.sort.field}\0${query.sort.descending ? 'desc' : 'asc'}`;
}

/** One page of jobs with their steps, by offset, and the total that matches. */
export async function listJobs(
  db: Database,
  versions: JobVersions,
  starts: PageStarts,
  workspaces: Workspaces,
  query: JobListQuery,
): Promise<{ jobs: JobRecord[]; total: number }> {
  const statement = new Statement();
  const order = orderBy(query.sort.field, query.sort.descending);
  const conditions = matching(statement, workspaces, query.filter);
  // The total rides along on every row (computed once); a page past the end counts on its own.
  let also = `, ${totalOf(statement, workspaces, query.filter, conditions)} as total`;
  const inWindow = [...conditions];
  let skip: string | undefined;
  const list = listOfStarts(workspaces, query);
  if (list !== undefined) {
    // Every row says in which state of the jobs it was read, and the sort key it has there.
    const column = columnOf(query.sort.field);
    const state = jobsStateOf(statement.param(workspaces, 'text'));
    also += `, ${state} as "list.state", ${column.sql}::text as "list.key"`;
    const start = query.offset > 0 ? starts.startOf(list, query.offset) : undefined;
    if (start) {
      // Where the jobs are still in the state the start was learned in, the page is the jobs after
      // it; elsewhere the bound takes in every job and the skip is made as without a start.
      const same = `${state} = ${statement.param(start.state, 'text')}`;
      const [beyond, open] = query.sort.descending ? ['<', "'infinity'"] : ['>', "'-infinity'"];
      inWindow.push(
        `(${column.sql}, jobs.id) ${beyond} (case when ${same} then ${statement.param(start.after.value, column.type)} ` +
          `else ${open} end, ${statement.param(start.after.id, 'text')})`,
      );
      skip = ` offset case when ${same} then 0 else ${statement.param(query.offset, 'bigint')} end`;
    }
  }
  const window = `from jobs ${where(inWindow)}
    order by ${order} ${statement.limit(query.limit)}${skip ?? statement.offset(query.offset)}`;
  // A filtered page reads each job's row to match it anyway: its ids come no cheaper.
  const idsFirst = query.offset >= IDS_FIRST_FROM_OFFSET && !narrows(query.filter);
  const page = idsFirst
    ? `select ${PAGE_JOB_COLUMNS} from jobs where jobs.id in (select jobs.id ${window})`
    : `select ${PAGE_JOB_COLUMNS} ${window}`;
  const { records, first, last, selected } = await versions.read(
    db,
    pageStatement(statement, page, order, query.filter, also),
  );
  if (list !== undefined && typeof last?.['list.state'] === 'string') {
    // The page after this one starts after its last job.
    starts.learn(list, last['list.state'], query.offset + selected, {
      value: last['list.key'] as string,
      id: last['job.id'] as string,
    });
  }
  return {
    jobs: records,
    total: first ? (first.total as number) : await countJobs(db, workspaces, query.filter),
  };
}

/** One keyset page of a workspace's jobs with their steps: stable under inserts. */
export async function pageJobs(
  db: Database,
  versions: JobVersions,
  workspace: string,
  query: JobPageQuery,
): Promise<{ jobs: JobRecord[]; hasMore: boolean }> {
  const statement = new Statement();
  const column = columnOf(query.sort.field);
  const ascending = !query.sort.descending;
  const beyond = (key: JobKey, forward: boolean) =>
    `(${column.sql}, jobs.id) ${forward === ascending ? '>' : '<'} ` +
    `(${statement.param(key.value, column.type)}, ${statement.param(key.id, 'text')})`;
  const conditions = matching(statement, workspace, query.filter);
  if (query.after) conditions.push(beyond(query.after, true));
  if (query.before) conditions.push(beyond(query.before, false));
  const fromEnd = 'last' in query.take;
  const limit = 'last' in query.take ? query.take.last : query.take.first;
  // One more than asked tells whether there are more.
  const order = orderBy(query.sort.field, ascending === fromEnd);
  const page = `select ${PAGE_JOB_COLUMNS} from jobs ${where(conditions)} order by ${order} ${statement.limit(limit, 1)}`;
  const { records: found } = await versions.read(db, pageStatement(statement, page, order, query.filter));
  const hasMore = found.length > limit;
  const records = found.slice(0, limit);
  return { jobs: fromEnd ? records.reverse() : records, hasMore };
}

export function keyOf(row: JobRow, field: SortField): JobKey {
  return { value: row[JOB_ROW_KEYS[field]], id: row.id };
}
