/**
 * What a watcher of one job gets, whichever door it came through (the REST event stream, the
 * `jobStatus` subscription): the job's current state or its changes after a cursor, then every
 * change live, ending after a terminal status.
 */
import { JobNotFoundError } from '../jobs/errors.js';
import { isTerminal } from '../jobs/lifecycle.js';
import type { JobsService } from '../jobs/service.js';
import type { Cursor } from './cursor.js';
import type { StatusEvent, StatusEventFeed } from './feed.js';

export type JobStream =
  /** No such job, and no recorded change after the cursor to replay. */
  | { kind: 'not-found' }
  /** The job has finished and nothing follows the cursor: nothing will ever come. */
  | { kind: 'ended' }
  | { kind: 'stream'; events: AsyncIterableIterator<StatusEvent> };

/**
 * A job's stream ends after its terminal status. The feed's queue ends it: a wrapping iterator
 * would cost every subscription another promise and closure per event, each living until the
 * job's next change (long enough to reach V8's old generation under a steady stream of changes).
 */
const endsJob = (event: StatusEvent) => isTerminal(event.status);

/** Past every event there is: xid8 and bigserial at their largest. */
const END: Cursor = { xid: '18446744073709551615', id: Number.MAX_SAFE_INTEGER };

/**
 * Without a cursor the job must exist, and the stream starts with its current state. With one,
 * the changes after it are replayed first, even of a deleted job; past a finished job's last
 * change the stream has ended, and past a deleted job's last change the job is not found.
 */
export async function openJobStream(
  jobs: JobsService,
  feed: StatusEventFeed,
  { workspace, name, after }: { workspace: string; name: string; after?: Cursor },
): Promise<JobStream> {
  const filter = { workspace, jobName: name };
  const job = await jobs.get(workspace, name).catch((error: unknown) => {
    if (error instanceof JobNotFoundError) return undefined;
    throw error;
  });
  if (!after) {
    if (!job) return { kind: 'not-found' };
    return { kind: 'stream', events: feed.watch(filter, { latest: true }, endsJob) };
  }
  if (!job || isTerminal(job.status)) {
    const [next] = await feed.history(filter, after, END, 1);
    if (!next) return job ? { kind: 'ended' } : { kind: 'not-found' };
  }
  return { kind: 'stream', events: feed.watch(filter, { after }, endsJob) };
}
