/**
 * A task run on demand, one run at a time: a wake during a run causes exactly one more run after
 * it, however many wakes came. A wake means "something may have changed since you last looked",
 * so one look that starts after it answers all of them. With `minIntervalMs`, a run starts no
 * sooner than that after the one before: under a stream of wakes the task runs at a bounded rate,
 * each run answering every wake that came while it waited.
 */
export class SingleFlight {
  private current: Promise<void> | undefined;
  private again = false;
  private halted = false;
  private lastStart = -Infinity;

  /**
   * `task` resolves `true` when it knows there is more to do at once (it read a full batch). A run
   * that throws ends the series: wakes during it are dropped, `onError` hears why, and the next
   * wake starts afresh, so a database that is away is retried by the caller's poll, not in a spin.
   */
  constructor(
    private readonly task: () => Promise<boolean | void>,
    private readonly onError: (error: unknown) => void,
    private readonly minIntervalMs = 0,
  ) {}

  /** Runs the task now (or once the interval since the last run has passed), or once more after the run in progress. */
  wake(): void {
    if (this.halted) return;
    if (this.current) {
      this.again = true;
      return;
    }
    this.current = this.series().finally(() => (this.current = undefined));
  }

  /** Whether stop() was called. */
  get stopped(): boolean {
    return this.halted;
  }

  /** Starts no run after this one; resolves once the run in progress (if any) has ended. */
  stop(): Promise<void> {
    this.halted = true;
    return this.current ?? Promise.resolve();
  }

  private async series(): Promise<void> {
    do {
      const wait = this.lastStart + this.minIntervalMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.halted) return;
      // Wakes up to here, the wait's included, are answered by the run that starts now.
      this.again = false;
      this.lastStart = performance.now();
      try {
        if ((await this.task()) === true) this.again = true;
      } catch (error) {
        this.onError(error);
        return;
      }
    } while (this.again && !this.halted);
  }
}
