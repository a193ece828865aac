/**
 * Waiting in tests, always with a deadline that fails the test: `eventually` polls a read (the
 * server's state over HTTP); `Changes` wakes waiters whenever a client receives something.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `read` until `done` holds and returns that value; fails with the last value after `timeoutMs`. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 20_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`timed out; last seen ${JSON.stringify(value)}`);
    await sleep(intervalMs);
    value = await read();
  }
  return value;
}

/** What a client has received so far changes; `until` waits for it to show something. */
export class Changes {
  private waiters: (() => void)[] = [];

  /** Call after every change (a message, a close): each waiter looks again. */
  notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /**
   * Resolves with `value()` once it is defined, looking now and after every change. Rejects with
   * what `value` throws (a client closed early), or after `timeoutMs` with `why()`.
   */
  until<T>(value: () => T | undefined, timeoutMs: number, why: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out: ${why()}`)), timeoutMs);
      const look = () => {
        let found: T | undefined;
        try {
          found = value();
        } catch (error) {
          clearTimeout(timer);
          return reject(error); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors -- what `value` threw, as it threw it
        }
        if (found === undefined) return void this.waiters.push(look);
        clearTimeout(timer);
        resolve(found);
      };
      look();
    });
  }
}
