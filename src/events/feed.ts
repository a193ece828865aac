/**
 * The status event feed of one gateway process: the live pump. It keeps a position in the event
 * log, reads the settled events after it when woken (by a commit in this process, by a NOTIFY from
 * another process, by the listener reconnecting, and by a slow poll as a safety net), and fans
 * each event out to the subscribers that asked for its job or its workspace.
 */
import type { CrossProcessChannel, Database } from '../db/client.js';
import { SingleFlight } from '../support/single-flight.js';
import { START, compareCursors, type Cursor } from './cursor.js';
import * as log from './event-log.js';
import type { EventFilter, StatusEvent } from './event-log.js';
import { EventQueue } from './queue.js';

export type { EventFilter, StatusEvent } from './event-log.js';

const CHANNEL = 'job_status_events';
const READ_BATCH = 1000;

const keyOf = (workspace: string, jobName?: string) =>
  jobName === undefined ? `w\u0000${workspace}` : `j\u0000${workspace}\u0000${jobName}`;

export interface FeedOptions {
  /** Safety-net poll, for wake-ups that never came (ms). */
  pollIntervalMs?: number;
  /** Several commits within this window cost one NOTIFY to the other processes (ms). */
  notifyCoalesceMs?: number;
  /**
   * A read starts no sooner than this after the one before (ms): under a stream of commits and
   * NOTIFYs, one read answers all the wakes of its window, so the reads of each process are bounded.
   */
  minReadIntervalMs?: number;
  /** How far a subscriber may fall behind before it is disconnected. */
  subscriberBufferLimit?: number;
}

export class StatusEventFeed {
  private position: Cursor = START;
  private readonly subscribers = new Map<string, Set<(event: StatusEvent) => void>>();
  /** In-process consumers of every event, in order (the built-in executor). */
  private readonly listeners = new Set<(event: StatusEvent) => void>();
  private readonly reads: SingleFlight;
  private notifyTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly options: Required<FeedOptions>;

  constructor(
    private readonly db: Database,
    private readonly channel?: CrossProcessChannel,
    options: FeedOptions = {},
  ) {
    this.options = {
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      notifyCoalesceMs: options.notifyCoalesceMs ?? 5,
      minReadIntervalMs: options.minReadIntervalMs ?? 5,
      subscriberBufferLimit: options.subscriberBufferLimit ?? 10_000,
    };
    this.reads = new SingleFlight(
      () => this.readNew(),
      () => {
        // The database is unreachable for now; the next wake or poll tries again.
      },
      this.options.minReadIntervalMs,
    );
  }

  async start(): Promise<void> {
    this.position = (await log.lastSettledPosition(this.db)) ?? this.position;
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
    const reading = this.reads.stop();
    clearInterval(this.pollTimer);
    clearTimeout(this.notifyTimer);
    await this.unlisten?.().catch(() => {});
    await reading;
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
    this.reads.wake();
  }

  /** Delivers the next batch of settled events; true when the batch was full and more may wait. */
  private async readNew(): Promise<boolean> {
    const events = await log.settledAfter(this.db, this.position, READ_BATCH);
    for (const event of events) this.deliver(event);
    return events.length === READ_BATCH;
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
   * history is read, at a known position, so the seam has no gap and no duplicate. With
   * `endsAfter`, the stream ends after the first event it holds true for.
   */
  watch(
    filter: EventFilter,
    from: { after: Cursor } | { latest: true } | { live: true },
    endsAfter?: (event: StatusEvent) => boolean,
  ): AsyncIterableIterator<StatusEvent> {
    const key = keyOf(filter.workspace, filter.jobName);
    const live: StatusEvent[] = [];
    let queue: EventQueue<StatusEvent> | undefined;
    const seam = this.position;
    // A cursor this process has not read up to yet (it came from another process, or the read
    // that follows a commit is still under way): what the feed reads up to it is not for us.
    const floor = 'after' in from && compareCursors(from.after, seam) > 0 ? from.after : undefined;
    const sink = (event: StatusEvent) => {
      if (floor && compareCursors(event.position, floor) <= 0) return;
      if (queue) queue.push(event);
      else live.push(event);
    };
    let sinks = this.subscribers.get(key);
    if (!sinks) this.subscribers.set(key, (sinks = new Set()));
    sinks.add(sink);
    const unsubscribe = () => {
      sinks.delete(sink);
      if (sinks.size === 0) this.subscribers.delete(key);
    };

    const history =
      'after' in from
        ? log.history(this.db, filter, from.after, seam)
        : 'latest' in from
          ? log.latest(this.db, filter, seam)
          : Promise.resolve([]);
    const output = new EventQueue<StatusEvent>(this.options.subscriberBufferLimit, unsubscribe, endsAfter);
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
  history(filter: EventFilter, after: Cursor, upTo: Cursor, limit?: number): Promise<StatusEvent[]> {
    return log.history(this.db, filter, after, upTo, limit);
  }

  /** The recorded history of several jobs, in one statement, each in order. */
  historyOfJobs(jobIds: string[]): Promise<Map<string, StatusEvent[]>> {
    return log.historyOfJobs(this.db, jobIds);
  }

  /** Calls `listener` with every event this process reads, from now on; returns the way to stop. */
  onEvent(listener: (event: StatusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Not stopped (for the readiness probe; the gateway serves only once the feed has started). */
  get running(): boolean {
    return !this.reads.stopped;
  }

  /** How many subscriptions this process holds (for metrics and benchmarks). */
  get subscriberCount(): number {
    let n = 0;
    for (const sinks of this.subscribers.values()) n += sinks.size;
    return n;
  }
}
