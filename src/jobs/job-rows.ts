/**
 * Jobs with their steps read by hand-written statements (the prepared ones): one row per step, the
 * job's columns as `"job.<key>"` and the step's as `"step.<key>"`, mapped back to Drizzle's rows by
 * the tables' own column definitions, so a new column needs no change here.
 */
import { getTableColumns, type Column } from 'drizzle-orm';
import { driverValueMapper, recordReader, type DriverRow } from '../db/driver-rows.js';
import type { JobRecord } from './repository.js';
import { jobSteps, jobs, type JobRow, type JobStepRow } from './tables.js';

const jobColumns = Object.entries(getTableColumns(jobs)) as [keyof JobRow, Column][];
const stepColumns = Object.entries(getTableColumns(jobSteps)) as [keyof JobStepRow, Column][];

/** The select list of a job-with-steps row, for a statement that joins `jobs` and `job_steps`. */
export const JOB_WITH_STEP_COLUMNS = [
  ...jobColumns.map(([key, column]) => `jobs."${column.name}" as "job.${key}"`),
  ...stepColumns.map(([key, column]) => `job_steps."${column.name}" as "step.${key}"`),
].join(', ');

/**
 * How a table's row is read from a joined row: each key from its prefixed column, mapped by the
 * column; with `extraKey`, that key too, set to the reader's second argument.
 */
const readerOf = <T>(prefix: string, columns: [PropertyKey, Column][], extraKey?: string) =>
  recordReader<T>(
    columns.map(([key, column]) => ({
      key: String(key),
      from: `${prefix}${String(key)}`,
      map: driverValueMapper(column),
    })),
    extraKey,
  );
const jobOf = readerOf<JobRecord>('job.', jobColumns, 'steps');
const stepOf = readerOf<JobStepRow>('step.', stepColumns);

/**
 * A job's record of its row and steps as Drizzle's own queries read them: built in one literal too,
 * for the same reason as `jobOf` (a `{ ...job, steps }` got a map of its own every time).
 */
const jobWithSteps = recordReader<JobRecord>(
  jobColumns.map(([key]) => ({ key, from: key, map: (value) => value })),
  'steps',
);
export const jobRecordOf = (job: JobRow, steps: JobStepRow[]): JobRecord => jobWithSteps(job, steps);

/** The job of rows in step order (all of one job), or undefined for none. */
export function jobRecordFromRows(rows: readonly DriverRow[]): JobRecord | undefined {
  const [first] = rows;
  if (!first) return undefined;
  return jobOf(
    first,
    rows.map((row) => stepOf(row)),
  );
}

/** Each job's rows, of rows grouped by job (each job's rows together, in step order), in the rows' order. */
export function rowsOfEachJob(rows: readonly DriverRow[]): DriverRow[][] {
  const jobs: DriverRow[][] = [];
  let start = 0;
  for (let i = 1; i <= rows.length; i++) {
    if (i < rows.length && rows[i]!['job.id'] === rows[start]!['job.id']) continue;
    jobs.push(rows.slice(start, i));
    start = i;
  }
  return jobs;
}
