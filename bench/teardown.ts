/**
 * What a benchmark run must undo however it ends (done, failed, Ctrl-C, killed): the processes it
 * started and the scratch database it created, in reverse order of setting up.
 */
export class Teardown {
  private readonly steps: { what: string; undo: () => Promise<void> }[] = [];
  private running?: Promise<void>;

  add(what: string, undo: () => Promise<void>): void {
    this.steps.push({ what, undo });
  }

  /**
   * Runs the steps added so far, newest first, each once; a failing step is reported and the
   * others still run. A call while a run is under way waits for that run.
   */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (let step = this.steps.pop(); step; step = this.steps.pop()) {
        await step.undo().catch((error: unknown) => console.error(`Could not ${step.what}:`, error));
      }
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * On SIGINT or SIGTERM: tear down, then exit as a process killed by that signal would. A second
   * Ctrl-C does not cut the teardown short: that would leave the scratch database behind. An error
   * nothing caught is told, torn down after, and ends the run with status 1 (without this, a crash
   * left the servers running and the database behind).
   */
  onSignals(): void {
    let stopping = false;
    const crashed = (error: unknown) => {
      console.error(error);
      if (stopping) return;
      stopping = true;
      console.error('Stopping the servers and dropping the scratch database…');
      void this.run().then(() => process.exit(1));
    };
    process.on('uncaughtException', crashed);
    process.on('unhandledRejection', crashed);
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      process.on(signal, () => {
        if (stopping) return console.error(`${signal}: still cleaning up…`);
        stopping = true;
        console.error(`\n${signal}: stopping the servers and dropping the scratch database…`);
        void this.run().then(() => process.exit(code));
      });
    }
  }
}
