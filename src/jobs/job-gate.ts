/**
 * The gate every status change of a job passes first: a transaction-level advisory lock keyed by
 * the job's workspace and name.
 *
 * Why: the event feed orders events by their writing transaction's id, so two changes of one job
 * must get their ids in the order they commit. Row locks alone did not ensure it: with four clients
 * racing pause, resume and step reports on one job, about one round in six recorded two changes
 * whose ids ran opposite to their commits (the later one had been given its id before it got the
 * job's row lock), and watchers saw them inverted. Waiting for an advisory lock takes no transaction
 * id, and every row lock and write of the change comes after it, so the id is taken only once the
 * job is this transaction's alone (test/events.order.test.ts; none in 180 such rounds). A hash
 * collision only makes two jobs take turns.
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
