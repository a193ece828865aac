/**
 * Following a job's log live: the lines stored so far (or those after a cursor), then each new
 * line as it is stored, ending once the job has ended and every line it printed has been read.
 *
 * A line's id orders one job's lines by commit: a job's steps run one after another, and one
 * step's lines are stored one batch after another, so a later line of a job never commits before
 * an earlier one. Reading "after the last id seen" therefore skips nothing.
 */
import { isTerminal } from '../jobs/lifecycle.js';
import type { JobsService } from '../jobs/service.js';
import type { JobLogRow } from '../jobs/tables.js';
import type { StatusEventFeed } from './feed.js';
import type { LogWakeups } from './log-wakeups.js';

/** Lines read per statement while catching up. */
const READ_BATCH = 500;

export interface LogFollow {
  jobId: string;
  /** Only this step's lines. */
  step?: string;
  /** Only lines after this line id. */
  after?: number;
}

/**
 * The job's lines, oldest first, live. Not an async generator: its `return()` would wait for a
 * pending `next()`, so a client leaving an idle log would stay subscribed; here `return()` stops
 * the wait at once.
 */
export function followJobLog(
  jobs: JobsService,
  feed: StatusEventFeed,
  wakeups: LogWakeups,
  { jobId, step, after = 0 }: LogFollow,
): AsyncIterableIterator<JobLogRow> {
  let cursor = after;
  let buffered: JobLogRow[] = [];
  let ended = false;
  let statusChecked = false;
  let finished = false;
  let waiting: { stop(): void } | undefined;
  const stopListening = feed.onEvent((event) => {
    if (event.jobId !== jobId || !isTerminal(event.status)) return;
    ended = true;
    waiting?.stop();
  });
  const finish = () => {
    finished = true;
    stopListening();
    waiting?.stop();
    return Promise.resolve({ value: undefined, done: true as const });
  };

  /** Waits for a wake-up of this job's log, its end, or the consumer leaving. */
  const nextWakeUp = (): Promise<void> => {
    const wait = wakeups.wait(jobId);
    let handle: { stop(): void } | undefined;
    return new Promise<void>((resolve) => {
      handle = waiting = {
        stop: () => {
          wait.cancel();
          resolve();
        },
      };
      void wait.woken.then(resolve);
    }).finally(() => {
      if (waiting === handle) waiting = undefined;
    });
  };

  return {
    async next() {
      if (!statusChecked) {
        // Read after listening for the end, so an end between the two is not missed.
        statusChecked = true;
        const [now] = await jobs.getMany([jobId]);
        if (!now || isTerminal(now.status)) ended = true;
      }
      while (!finished) {
        const line = buffered.shift();
        if (line) {
          cursor = line.id;
          return { value: line, done: false };
        }
        // The end is known before the read, so lines stored before the job ended are all read.
        const endedBefore = ended;
        const wake = endedBefore ? undefined : nextWakeUp();
        const rows = await jobs.logsAfter(jobId, { step, after: cursor, limit: READ_BATCH });
        if (rows.length > 0) {
          waiting?.stop();
          buffered = rows;
          continue;
        }
        if (endedBefore) break;
        await wake;
      }
      return finish();
    },
    return: finish,
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
