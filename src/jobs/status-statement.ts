/**
 * What the single-statement status changes (a user's action, action-statement.ts; an executor's step
 * report, step-report-statement.ts) share: how they start, how they stamp the change, how they spell
 * a status in SQL and how their rows are read back.
 */
import type { DriverRow } from '../db/client.js';
import { JOB_GATE_CTE } from './job-gate.js';
import { JOB_WITH_STEP_COLUMNS, jobRecordFromRows } from './job-rows.js';
import type { JobStatus } from './lifecycle.js';
import type { JobRecord } from './repository.js';

/**
 * The gate (job-gate.ts), then `changed_at`, the time of the change (read once the gate is passed,
 * so a job's changes are stamped in the order they happen, by the database's one clock, whichever
 * gateway process asked; in whole milliseconds, as the API shows times, so a time read from an
 * answer finds its job again in a `$lte` filter), and `locked`: the job `$1`/`$2` and its steps, one
 * row each, locked for the statement that goes on from here (the gate is joined in, so it is passed
 * before any row is locked). The step rows are locked too: after waiting for a concurrent change,
 * READ COMMITTED re-reads only the rows it locks.
 */
export const LOCKED_JOB_CTES = `${JOB_GATE_CTE},
changed_at as (select date_trunc('milliseconds', clock_timestamp()) as at from gate),
locked as (
  select ${JOB_WITH_STEP_COLUMNS}
  from gate, jobs join job_steps on job_steps.job_id = jobs.id
  where jobs.workspace = $1::text and jobs.name = $2::text
  for update of jobs, job_steps
)`;

/** The time of the change in a statement that starts with LOCKED_JOB_CTES. */
export const CHANGED_AT = '(select at from changed_at)';

/** A status as an SQL literal (statuses are the lifecycle's own words, never the caller's). */
export const statusLiteral = (status: JobStatus) => `'${status}'`;

/** What every such statement answers: one row per step, in step order. */
export interface LockedChange {
  /** The job and its steps as they were locked, before the change. */
  locked: JobRecord;
  /** The time of the change (meaningful when there was one). */
  changedAt: Date;
  /** Each step's status after the change, in step order. */
  stepStatuses: JobStatus[];
}

/**
 * Reads a statement's rows: the job as locked (its columns as job-rows.ts names them), each step's
 * `step.newStatus` and the `changedAt` column. Undefined for no rows: no such job.
 */
export function lockedChangeOf(rows: readonly DriverRow[]): LockedChange | undefined {
  const locked = jobRecordFromRows(rows);
  if (!locked) return undefined;
  return {
    locked,
    changedAt: new Date(rows[0]!.changedAt as Date | string),
    stepStatuses: rows.map((row) => row['step.newStatus'] as JobStatus),
  };
}
