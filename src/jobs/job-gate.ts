/**
 * The gate every status change of a job passes first: a transaction-level advisory lock keyed by
 * the job's workspace and name.
 *
 * Why: the event feed orders events by their writing transaction's id, so two changes of one job
 * must get their ids in the order they commit. Row locks alone did not ensure it: with four clients
 * racing pause, resume and step reports on one job, about one round in six recorded two changes
 * whose ids ran opposite to their commits (the later one had been given its id first), and watchers
 * saw them inverted. Waiting for an advisory lock takes no transaction id; with the gate as a
 * statement of its own, the locking statement that follows starts from a snapshot taken after the
 * wait, and no inversion has been seen since (test/events.order.test.ts). The gate as a condition
 * of the locking statement itself did not do: its snapshot predates the wait, and inversions came
 * back. A hash collision only makes two jobs take turns.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { JOB_WITH_STEP_COLUMNS } from './job-rows.js';

/** The gate as a CTE for a single-statement change whose `$1` is the workspace and `$2` the name. */
export const JOB_GATE_CTE = `gate as (select pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2::text, 0)))`;

/**
 * The gate, then `changed_at`, the time of the change (read once the gate is passed, so a job's
 * changes are stamped in the order they happen, by the database's one clock, whichever gateway
 * process asked; in whole milliseconds, as the API shows times, so a time read from an answer
 * finds its job again in a `$lte` filter), and `locked`: the job `$1`/`$2` and its steps, one row each, locked for the
 * statement that goes on from here (the gate is joined in, so it is passed before any row is
 * locked). The step rows are locked too: after waiting for a concurrent change, READ COMMITTED
 * re-reads only the rows it locks.
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

/** The `changedAt` column such a statement returns, as a Date. */
export const changedAtOf = (row: Record<string, unknown>): Date => new Date(row.changedAt as Date | string);

/** Passes the gate inside a transaction, before the job is locked (the same key as JOB_GATE_CTE). */
export async function passJobGate(tx: Database, workspace: string, name: string): Promise<void> {
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${workspace}::text || '/' || ${name}::text, 0))`,
  );
}
