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

/** The gate as a CTE for a single-statement change whose `$1` is the workspace and `$2` the name. */
export const JOB_GATE_CTE = `gate as (select pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2::text, 0)))`;

/** Passes the gate inside a transaction, before the job is locked (the same key as JOB_GATE_CTE). */
export async function passJobGate(tx: Database, workspace: string, name: string): Promise<void> {
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${workspace}::text || '/' || ${name}::text, 0))`,
  );
}
