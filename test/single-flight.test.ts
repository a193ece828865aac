/** One run at a time; a wake during a run causes exactly one more run. No server, no database. */
import { describe, expect, it, vi } from 'vitest';
import { SingleFlight } from '../src/support/single-flight.js';

/** A task whose runs the test ends one by one, and what each run resolves to. */
function controlledTask() {
  const runs: { finish(result?: boolean | Error): void }[] = [];
  const task = () =>
    new Promise<boolean | void>((resolve, reject) => {
      runs.push({ finish: (result) => (result instanceof Error ? reject(result) : resolve(result)) });
    });
  /** Lets pending promise callbacks run, so a finished run's follow-up (if any) has started. */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return { runs, task, settle };
}

describe('SingleFlight', () => {
  it('runs the task at once when idle, and again on a wake after the run ended', async () => {
    const t = controlledTask();
    const flight = new SingleFlight(t.task, () => {});
    flight.wake();
    expect(t.runs).toHaveLength(1);
    t.runs[0].finish();
    await t.settle();
    expect(t.runs).toHaveLength(1);
    flight.wake();
    expect(t.runs).toHaveLength(2);
    t.runs[1].finish();
    await flight.stop();
  });

  it('answers any number of wakes during a run with exactly one more run', async () => {
    const t = controlledTask();
    const flight = new SingleFlight(t.task, () => {});
    flight.wake();
    for (let i = 0; i < 5; i++) flight.wake();
    expect(t.runs).toHaveLength(1);
    t.runs[0].finish();
    await t.settle();
    expect(t.runs).toHaveLength(2);
    t.runs[1].finish();
    await t.settle();
    expect(t.runs).toHaveLength(2);
  });

  it('runs again at once when the task says there is more, until it says there is not', async () => {
    const t = controlledTask();
    const flight = new SingleFlight(t.task, () => {});
    flight.wake();
    t.runs[0].finish(true);
    await t.settle();
    t.runs[1].finish(true);
    await t.settle();
    t.runs[2].finish(false);
    await t.settle();
    expect(t.runs).toHaveLength(3);
  });

  it('ends the series when a run fails, dropping the wakes that came during it, and starts afresh on the next', async () => {
    const t = controlledTask();
    const errors: unknown[] = [];
    const flight = new SingleFlight(t.task, (error) => errors.push(error));
    flight.wake();
    flight.wake();
    const failure = new Error('database away');
    t.runs[0].finish(failure);
    await t.settle();
    expect(errors).toEqual([failure]);
    expect(t.runs).toHaveLength(1);
    flight.wake();
    expect(t.runs).toHaveLength(2);
    t.runs[1].finish();
    await flight.stop();
  });

  it('starts nothing once stopped, and its stop waits for the run in progress', async () => {
    const t = controlledTask();
    const flight = new SingleFlight(t.task, () => {});
    flight.wake();
    flight.wake();
    let stopped = false;
    const stopping = flight.stop().then(() => (stopped = true));
    await t.settle();
    expect(stopped).toBe(false);
    t.runs[0].finish();
    await stopping;
    expect(t.runs).toHaveLength(1);
    flight.wake();
    expect(t.runs).toHaveLength(1);
  });

  it('with a minimum interval, answers the wakes that come soon after a run with one run once the interval has passed', async () => {
    const t = controlledTask();
    const flight = new SingleFlight(t.task, () => {}, 1_000);
    flight.wake();
    expect(t.runs).toHaveLength(1);
    t.runs[0].finish();
    await t.settle();
    for (let i = 0; i < 5; i++) flight.wake();
    await t.settle();
    expect(t.runs).toHaveLength(1);
    await vi.waitFor(() => expect(t.runs).toHaveLength(2), { timeout: 5_000 });
    t.runs[1].finish();
    await t.settle();
    expect(t.runs).toHaveLength(2);
    await flight.stop();
  });

  it('with a minimum interval, a stop during the wait starts nothing', async () => {
    const t = controlledTask();
    const flight = new SingleFlight(t.task, () => {}, 200);
    flight.wake();
    t.runs[0].finish();
    await t.settle();
    flight.wake();
    await flight.stop();
    expect(t.runs).toHaveLength(1);
  });
});
