/**
 * The status event feed of one gateway process. It reads the event table in cursor order, below
 * the oldest running transaction (see cursor.ts), and fans each event out to the subscribers that
 * asked for its job or its workspace. It reads when woken: by a commit in this process, by a
 * NOTIFY from another process, by the listener reconnecting, and by a slow poll as a safety net.
 */
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { CrossProcessChannel, Database } from '../db/client.js';
import { jobStatusEvents } from '../jobs/tables.js';
import type { JobStatus } from '../jobs/lifecycle.js';
import { START, compareCursors, encodeCursor, type Cursor } from './cursor.js';
import { EventQueue } from './queue.js';

export interface StatusEvent {
  cursor: string;
  position: Cursor;
  jobId: string;
  workspace: string;
  jobName: string;
  status: JobStatus;
  previousStatus: JobStatus | null;
  occurredAt: Date;
}

/** Which events a subscriber wants: one job's, or a whole workspace's. */
export interface EventFilter {
  workspace: string;
  jobName?: string;
}

const CHANNEL = 'job_status_events';
const READ_BATCH = 1000;

const eventColumns = {
  id: jobStatusEvents.id,
  xid: sql<string>`${jobStatusEvents.xid}::text`,
  jobId: jobStatusEvents.jobId,
  workspace: jobStatusEvents.workspace,
  jobName: jobStatusEvents.jobName,
  status: jobStatusEvents.status,
  previousStatus: jobStatusEvents.previousStatus,
  occurredAt: jobStatusEvents.occurredAt,
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

const keyOf = (workspace: string, jobName?: string) =>
  jobName === undefined ? `w\u0000${workspace}` : `j\u0000${workspace}\u0000${jobName}`;

export interface FeedOptions {
  /** Safety-net poll, for wake-ups that never came (ms). */
  pollIntervalMs?: number;
  /** Several commits within this window cost one NOTIFY to the other processes (ms). */
  notifyCoalesceMs?: number;
  /** How far a subscriber may fall behind before it is disconnected. */
  subscriberBufferLimit?: number;
}

export class StatusEventFeed {
  private position: Cursor = START;
  private readonly subscribers = new Map<string, Set<(event: StatusEvent) => void>>();
  /** In-process consumers of every event, in order (the built-in executor). */
  private readonly listeners = new Set<(event: StatusEvent) => void>();
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private notifyTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private stopped = false;
  private readonly options: Required<FeedOptions>;

  constructor(
    private readonly db: Database,
    private readonly channel?: CrossProcessChannel,
    options: FeedOptions = {},
  ) {
    this.options = {
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      notifyCoalesceMs: options.notifyCoalesceMs ?? 5,
      subscriberBufferLimit: options.subscriberBufferLimit ?? 10_000,
    };
  }

  async start(): Promise<void> {
    const [last] = await this.db
      .select(eventColumns)
      .from(jobStatusEvents)
      .where(settled)
      .orderBy(desc(jobStatusEvents.xid), desc(jobStatusEvents.id))
      .limit(1);
    if (last) this.position = toEvent(last).position;
    if (this.channel) {
      this.unlisten = await this.channel.listen(
        CHANNEL,
        () => this.wake(),
        // (Re)connected: whatever was notified while the listener was away is in the table.
        () => this.wake(),
      );
      this.pollTimer = setInterval(() => this.wake(), this.options.pollIntervalMs);
      this.pollTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.notifyTimer);
    await this.unlisten?.().catch(() => {});
    await this.reading;
  }

  /** Called after this process committed status events: read them now, and tell the others. */
  committed(): void {
    this.wake();
    if (this.channel && !this.notifyTimer) {
      this.notifyTimer = setTimeout(() => {
        this.notifyTimer = undefined;
        this.channel!.notify(CHANNEL).catch(() => {
          // The other processes' poll picks the events up; nothing is lost.
        });
      }, this.options.notifyCoalesceMs);
    }
  }

  /** Reads new events soon; at most one read runs, and wakes during it cause one more. */
  wake(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.readLoop().finally(() => (this.reading = undefined));
  }

  private async readLoop(): Promise<void> {
    do {
      this.readAgain = false;
      let rows: EventRow[];
      try {
        rows = await this.db
          .select(eventColumns)
          .from(jobStatusEvents)
          .where(and(after(this.position), settled))
          .orderBy(asc(jobStatusEvents.xid), asc(jobStatusEvents.id))
          .limit(READ_BATCH);
      } catch {
        // The database is unreachable for now; the next wake or poll tries again.
        return;
      }
      for (const row of rows) this.deliver(toEvent(row));
      if (rows.length === READ_BATCH) this.readAgain = true;
    } while (this.readAgain && !this.stopped);
  }

  private deliver(event: StatusEvent): void {
    this.position = event.position;
    for (const listener of this.listeners) listener(event);
    for (const key of [keyOf(event.workspace, event.jobName), keyOf(event.workspace)]) {
      const sinks = this.subscribers.get(key);
      if (sinks) for (const sink of sinks) sink(event);
    }
  }

  /**
   * A stream of the events matching `filter`: first those after `from` (or, with `latest`, the
   * newest one already recorded; with `live`, none), then live ones. The live subscription is taken before the
   * history is read, at a known position, so the seam has no gap and no duplicate.
   */
  watch(
    filter: EventFilter,
    from: { after: Cursor } | { latest: true } | { live: true },
  ): AsyncIterableIterator<StatusEvent> {
    const key = keyOf(filter.workspace, filter.jobName);
    const live: StatusEvent[] = [];
    let queue: EventQueue<StatusEvent> | undefined;
    const sink = (event: StatusEvent) => (queue ? queue.push(event) : live.push(event));
    let sinks = this.subscribers.get(key);
    if (!sinks) this.subscribers.set(key, (sinks = new Set()));
    sinks.add(sink);
    const seam = this.position;
    const unsubscribe = () => {
      sinks!.delete(sink);
      if (sinks!.size === 0) this.subscribers.delete(key);
    };

    const history =
      'after' in from
        ? this.history(filter, from.after, seam)
        : 'latest' in from
          ? this.latest(filter, seam)
          : Promise.resolve([]);
    const output = new EventQueue<StatusEvent>(this.options.subscriberBufferLimit, unsubscribe);
    history.then(
      (events) => {
        for (const event of events) output.push(event);
        for (const event of live) output.push(event);
        queue = output;
      },
      (error: Error) => output.fail(error),
    );
    return output;
  }

  /** Recorded events in (after, upTo], in order. */
  async history(filter: EventFilter, after_: Cursor, upTo: Cursor, limit = 100_000): Promise<StatusEvent[]> {
    if (compareCursors(after_, upTo) >= 0) return [];
    const rows = await this.db
      .select(eventColumns)
      .from(jobStatusEvents)
      .where(and(matching(filter), after(after_), atOrBefore(upTo)))
      .orderBy(asc(jobStatusEvents.xid), asc(jobStatusEvents.id))
      .limit(limit);
    return rows.map(toEvent);
  }

  /** The recorded history of several jobs, in one statement, each in order. */
  async historyOfJobs(jobIds: string[]): Promise<Map<string, StatusEvent[]>> {
    const byJob = new Map<string, StatusEvent[]>(jobIds.map((id) => [id, []]));
    if (jobIds.length === 0) return byJob;
    const rows = await this.db
      .select(eventColumns)
      .from(jobStatusEvents)
      .where(inArray(jobStatusEvents.jobId, jobIds))
      .orderBy(asc(jobStatusEvents.xid), asc(jobStatusEvents.id));
    for (const row of rows) byJob.get(row.jobId)?.push(toEvent(row));
    return byJob;
  }

  private async latest(filter: EventFilter, upTo: Cursor): Promise<StatusEvent[]> {
    const rows = await this.db
      .select(eventColumns)
      .from(jobStatusEvents)
      .where(and(matching(filter), atOrBefore(upTo)))
      .orderBy(desc(jobStatusEvents.xid), desc(jobStatusEvents.id))
      .limit(1);
    return rows.map(toEvent);
  }

  /** Calls `listener` with every event this process reads, from now on; returns the way to stop. */
  onEvent(listener: (event: StatusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Not stopped (for the readiness probe; the gateway serves only once the feed has started). */
  get running(): boolean {
    return !this.stopped;
  }

  /** How many subscriptions this process holds (for metrics and benchmarks). */
  get subscriberCount(): number {
    let n = 0;
    for (const sinks of this.subscribers.values()) n += sinks.size;
    return n;
  }
}
