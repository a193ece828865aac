/**
 * The status event log's queries. Events are read in cursor order, `(xid, id)`; the live feed
 * reads only settled events, those of transactions older than every transaction still running
 * (see cursor.ts), so an event that commits late is read after the feed passes it, never skipped.
 */
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { runStatement, type Database } from '../db/client.js';
import { driverValueMapper } from '../db/driver-rows.js';
import { jobStatusEvents } from '../jobs/tables.js';
import type { JobStatus } from '../jobs/lifecycle.js';
import { compareCursors, encodeCursor, type Cursor } from './cursor.js';

export interface StatusEvent {
  cursor: string;
  position: Cursor;
  jobId: string;
  workspace: string;
  jobName: string;
  status: JobStatus;
  previousStatus: JobStatus | null;
  occurredAt: Date;
  /** Who caused the change: the caller's principal; null for the system's own changes and with auth off. */
  actor: string | null;
}

/** Which events a subscriber wants: one job's, or a whole workspace's. */
export interface EventFilter {
  workspace: string;
  jobName?: string;
}

const eventColumns = {
  id: jobStatusEvents.id,
  xid: sql<string>`${jobStatusEvents.xid}::text`,
  jobId: jobStatusEvents.jobId,
  workspace: jobStatusEvents.workspace,
  jobName: jobStatusEvents.jobName,
  status: jobStatusEvents.status,
  previousStatus: jobStatusEvents.previousStatus,
  occurredAt: jobStatusEvents.occurredAt,
  actor: jobStatusEvents.actor,
};

/** A row as selected by `eventColumns`: the event before its cursor is encoded. */
type EventRow = Omit<StatusEvent, 'cursor' | 'position'> & { id: number; xid: string };

const toEvent = (row: EventRow): StatusEvent => {
  const position = { xid: row.xid, id: Number(row.id) };
  return {
    cursor: encodeCursor(position),
    position,
    jobId: row.jobId,
    workspace: row.workspace,
    jobName: row.jobName,
    status: row.status,
    previousStatus: row.previousStatus,
    occurredAt: row.occurredAt,
    actor: row.actor,
  };
};

/** Events of committed transactions only: those older than every transaction still running. */
const settled = sql`${jobStatusEvents.xid} < pg_snapshot_xmin(pg_current_snapshot())`;
const after = (c: Cursor) => sql`(${jobStatusEvents.xid}, ${jobStatusEvents.id}) > (${c.xid}::xid8, ${c.id})`;
const atOrBefore = (c: Cursor) =>
  sql`(${jobStatusEvents.xid}, ${jobStatusEvents.id}) <= (${c.xid}::xid8, ${c.id})`;
const matching = (f: EventFilter): SQL =>
  f.jobName === undefined
    ? eq(jobStatusEvents.workspace, f.workspace)
    : and(eq(jobStatusEvents.workspace, f.workspace), eq(jobStatusEvents.jobName, f.jobName))!;
const inOrder = [asc(jobStatusEvents.xid), asc(jobStatusEvents.id)];
const newestFirst = [desc(jobStatusEvents.xid), desc(jobStatusEvents.id)];

/** The position of the newest settled event, where a feed starting now begins. */
export async function lastSettledPosition(db: Database): Promise<Cursor | undefined> {
  const [last] = await db
    .select(eventColumns)
    .from(jobStatusEvents)
    .where(settled)
    .orderBy(...newestFirst)
    .limit(1);
  return last && toEvent(last).position;
}

/**
 * The live feed's read, by hand and prepared: every gateway process runs it on every wake, and
 * building it through Drizzle each time was a tenth of a watching process's CPU. The same query as
 * `settled`, `after` and `inOrder` above. The order names the table's columns: a bare `xid` there
 * would be the text the statement selects, and 1000 would sort before 999.
 */
const SETTLED_AFTER = `select id, xid::text as xid, job_id as "jobId", workspace, job_name as "jobName", status,
  previous_status as "previousStatus", occurred_at as "occurredAt", actor
from job_status_events
where (xid, id) > ($1::xid8, $2::bigint) and xid < pg_snapshot_xmin(pg_current_snapshot())
order by job_status_events.xid, job_status_events.id
limit $3::int`;

const occurredAtOf = driverValueMapper(jobStatusEvents.occurredAt);

/** Up to `limit` settled events after `position`, of every job, in order. */
export async function settledAfter(db: Database, position: Cursor, limit: number): Promise<StatusEvent[]> {
  const rows = await runStatement(db, SETTLED_AFTER, [position.xid, position.id, limit]);
  return rows.map((row) =>
    toEvent({
      ...(row as unknown as EventRow),
      occurredAt: occurredAtOf(row.occurredAt) as Date,
    }),
  );
}

/** Recorded events matching `filter` in (after, upTo], in order. */
export async function history(
  db: Database,
  filter: EventFilter,
  after_: Cursor,
  upTo: Cursor,
  limit = 100_000,
): Promise<StatusEvent[]> {
  if (compareCursors(after_, upTo) >= 0) return [];
  const rows = await db
    .select(eventColumns)
    .from(jobStatusEvents)
    .where(and(matching(filter), after(after_), atOrBefore(upTo)))
    .orderBy(...inOrder)
    .limit(limit);
  return rows.map(toEvent);
}

/** The newest recorded event matching `filter` at or before `upTo`, if any. */
export async function latest(db: Database, filter: EventFilter, upTo: Cursor): Promise<StatusEvent[]> {
  const rows = await db
    .select(eventColumns)
    .from(jobStatusEvents)
    .where(and(matching(filter), atOrBefore(upTo)))
    .orderBy(...newestFirst)
    .limit(1);
  return rows.map(toEvent);
}

/** The recorded history of several jobs, in one statement, each in order. */
export async function historyOfJobs(db: Database, jobIds: string[]): Promise<Map<string, StatusEvent[]>> {
  const byJob = new Map<string, StatusEvent[]>(jobIds.map((id) => [id, []]));
  if (jobIds.length === 0) return byJob;
  const rows = await db
    .select(eventColumns)
    .from(jobStatusEvents)
    .where(inArray(jobStatusEvents.jobId, jobIds))
    .orderBy(...inOrder);
  for (const row of rows) byJob.get(row.jobId)?.push(toEvent(row));
  return byJob;
}
