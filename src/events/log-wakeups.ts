/**
 * Wake-ups for followers of a job's log: "new lines of job X may be stored". Never the lines
 * themselves; a follower woken reads them from the table after its own cursor, so a lost or
 * duplicated wake-up costs at most a read, never a line.
 *
 * Lines stored by this process wake its followers at once. Other processes hear of them through
 * a PostgreSQL NOTIFY sent after the insert (never inside it), coalesced: the job ids appended
 * within one window go in one NOTIFY's payload, so a chatty step costs one notification per
 * window whatever its rate. A listener that (re)connects, and a slow poll, wake every follower,
 * for wake-ups that never came. On PGlite only this process writes, and nothing else is needed.
 */
import type { CrossProcessChannel } from '../db/client.js';

const CHANNEL = 'job_log_lines';
/** PostgreSQL refuses payloads of 8,000 bytes or more; past this, the NOTIFY wakes everyone. */
const MAX_PAYLOAD_CHARS = 7_000;

export interface LogWakeupOptions {
  /** Lines stored within this window cost one NOTIFY to the other processes (ms). */
  notifyCoalesceMs?: number;
  /** Safety-net poll that wakes every follower, on PostgreSQL (ms). */
  pollIntervalMs?: number;
}

/** A pending wait for one job's next wake-up. */
export interface LogWait {
  woken: Promise<void>;
  cancel(): void;
}

export class LogWakeups {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly unsent = new Set<string>();
  private notifyTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly options: Required<LogWakeupOptions>;

  constructor(
    private readonly channel?: CrossProcessChannel,
    options: LogWakeupOptions = {},
  ) {
    this.options = {
      notifyCoalesceMs: options.notifyCoalesceMs ?? 20,
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
    };
  }

  async start(): Promise<void> {
    if (!this.channel) return;
    this.unlisten = await this.channel.listen(
      CHANNEL,
      (payload) => (payload === '' ? this.wakeAll() : this.wake(payload.split(','))),
      () => this.wakeAll(),
    );
    this.pollTimer = setInterval(() => this.wakeAll(), this.options.pollIntervalMs);
    this.pollTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.pollTimer);
    clearTimeout(this.notifyTimer);
    await this.unlisten?.().catch(() => {});
    // Followers waiting now read once more and see the server is stopping through their streams.
    this.wakeAll();
  }

  /** Called after this process stored lines of these jobs: wake its followers, tell the others. */
  appended(jobIds: Iterable<string>): void {
    const ids = [...new Set(jobIds)];
    this.wake(ids);
    if (!this.channel) return;
    for (const id of ids) this.unsent.add(id);
    this.notifyTimer ??= setTimeout(() => {
      this.notifyTimer = undefined;
      const payload = [...this.unsent].join(',');
      this.unsent.clear();
      this.channel!.notify(CHANNEL, payload.length > MAX_PAYLOAD_CHARS ? '' : payload).catch(() => {
        // The other processes' poll wakes their followers; nothing is lost.
      });
    }, this.options.notifyCoalesceMs);
  }

  /** Resolves at the next wake-up for `jobId` (or of everyone); `cancel` stops waiting. */
  wait(jobId: string): LogWait {
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    let set = this.waiters.get(jobId);
    if (!set) this.waiters.set(jobId, (set = new Set()));
    set.add(wake);
    const cancel = () => {
      set.delete(wake);
      if (set.size === 0 && this.waiters.get(jobId) === set) this.waiters.delete(jobId);
    };
    void woken.then(cancel);
    return { woken, cancel };
  }

  /** How many followers wait now (for tests and metrics). */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  private wake(jobIds: Iterable<string>): void {
    for (const id of jobIds) for (const wake of this.waiters.get(id) ?? []) wake();
  }

  private wakeAll(): void {
    for (const set of this.waiters.values()) for (const wake of set) wake();
  }
}
