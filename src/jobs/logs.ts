/** The SQL of job logs: what the steps' processes printed, appended in batches, read in pages. */
import { and, asc, count, desc, eq, gt, lt, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { jobLogs, type JobLogRow, type NewJobLogRow } from './tables.js';

/** A window of one job's lines, in `id` order. */
export interface JobLogQuery {
  /** Only this step's lines. */
  step?: string;
  /** Only lines of this attempt of the job; a job has one, so another id matches nothing. */
  attemptId?: string;
  /** Only lines of this task; every stored line is a subprocess step's one task's. */
  task?: string;
  /** Only lines after this id. */
  after?: number;
  /** Only lines before this id. */
  before?: number;
  /** The first lines of the window, or the last ones. */
  take: { first: number } | { last: number };
}

export interface JobLogPage {
  rows: JobLogRow[];
  /** Every line of the job (and step, when filtered), whatever the window. */
  total: number;
  /** Whether lines exist before the page's first line, and after its last one. */
  hasBefore: boolean;
  hasAfter: boolean;
}

/** One statement, however many lines. */
export async function appendLogs(db: Database, lines: NewJobLogRow[]): Promise<void> {
  if (lines.length > 0) await db.insert(jobLogs).values(lines);
}

/** The job's lines (of one step, when given), and those of them inside the window. */
function conditions(jobId: string, query: Omit<JobLogQuery, 'take'>) {
  const ofJob = and(
    eq(jobLogs.jobId, jobId),
    query.step !== undefined ? eq(jobLogs.step, query.step) : undefined,
  );
  const window = and(
    ofJob,
    query.after !== undefined ? gt(jobLogs.id, query.after) : undefined,
    query.before !== undefined ? lt(jobLogs.id, query.before) : undefined,
  );
  return { ofJob, window };
}

/**
 * The first `limit` lines after line `after`, in one statement: what a live follower reads each
 * time it is woken (no counts, no neighbours, whatever the log's length).
 */
export function logsAfter(
  db: Database,
  jobId: string,
  query: { step?: string; after: number; limit: number },
): Promise<JobLogRow[]> {
  return db
    .select()
    .from(jobLogs)
    .where(conditions(jobId, query).window)
    .orderBy(asc(jobLogs.id))
    .limit(query.limit);
}

export async function pageLogs(db: Database, jobId: string, query: JobLogQuery): Promise<JobLogPage> {
  const { ofJob, window } = conditions(jobId, query);
  const fromEnd = 'last' in query.take;
  const limit = 'last' in query.take ? query.take.last : query.take.first;
  const exists = async (where: SQL | undefined) =>
    (await db.select({ id: jobLogs.id }).from(jobLogs).where(where).limit(1)).length > 0;

  const [rows, [counted]] = await Promise.all([
    db
      .select()
      .from(jobLogs)
      .where(window)
      .orderBy(fromEnd ? desc(jobLogs.id) : asc(jobLogs.id))
      .limit(limit),
    db.select({ total: count() }).from(jobLogs).where(ofJob),
  ]);
  const total = counted?.total ?? 0;
  if (fromEnd) rows.reverse();
  // An empty page has no neighbours to point at: its client already holds the cursor that found it.
  const [first, last] = [rows[0], rows.at(-1)];
  if (!first || !last) return { rows, total, hasBefore: false, hasAfter: false };
  const [hasBefore, hasAfter] = await Promise.all([
    exists(and(ofJob, lt(jobLogs.id, first.id))),
    exists(and(ofJob, gt(jobLogs.id, last.id))),
  ]);
  return { rows, total, hasBefore, hasAfter };
}
