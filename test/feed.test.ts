/**
 * The event feed of one process, driven directly: what a watcher gets when the feed has not yet
 * read as far as the cursor it starts after (a cursor from another process, or a read that
 * follows a commit still under way); and the order in which the feed reads the event log.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { START } from '../src/events/cursor.js';
import { settledAfter } from '../src/events/event-log.js';
import { StatusEventFeed } from '../src/events/feed.js';
import { defaultExecutionProfiles } from '../src/jobs/profiles.js';
import { JobsService } from '../src/jobs/service.js';
import { createJobRequest } from '../src/jobs/spec.js';
import { databaseKinds, useMigratedDatabase } from './support/databases.js';
import { jobWithSteps } from './support/fixtures.js';

const END = { xid: '18446744073709551615', id: Number.MAX_SAFE_INTEGER };

describe.each(databaseKinds)('the event feed on $name', (kind) => {
  const suite = useMigratedDatabase(kind);
  let feed: StatusEventFeed;
  let jobs: JobsService;

  beforeAll(async () => {
    // No channel and no wake-up on commit: the feed reads only when the test wakes it.
    feed = new StatusEventFeed(suite.handle.db);
    await feed.start();
    jobs = new JobsService(suite.handle.db, defaultExecutionProfiles);
  });
  afterAll(async () => {
    await feed?.stop();
  });

  it('a watcher starting after a cursor the feed has not reached gets only what follows it', async () => {
    await jobs.create('ws', createJobRequest.parse(jobWithSteps('ahead')));
    await jobs.cancel('ws', 'ahead');
    const filter = { workspace: 'ws', jobName: 'ahead' };
    const [created, cancelled] = await feed.history(filter, START, END);
    expect([created?.status, cancelled?.status]).toEqual(['created', 'cancelled']);

    const events = feed.watch(filter, { after: created.position });
    // Woken as the gateway's poll wakes it: an event is read once it is settled, and any write
    // transaction on the server (another suite's, in another database) holds that back a while.
    const poll = setInterval(() => feed.wake(), 20);
    const first = await events.next().finally(() => clearInterval(poll));
    expect(first.value).toMatchObject({ status: 'cancelled', cursor: cancelled.cursor });
    await events.return?.();
  });
});

describe.each(databaseKinds)('the event log on $name', (kind) => {
  const suite = useMigratedDatabase(kind);

  it('reads settled events in the order of their transactions, whatever their number of digits', async () => {
    // Transactions 99 and 100, long settled: as text, 100 would come first.
    await suite.handle.db.execute(sql`
      insert into job_status_events (xid, job_id, workspace, job_name, status, occurred_at)
      values ('100', 'job-b', 'ws', 'b', 'created', now()), ('99', 'job-a', 'ws', 'a', 'created', now())`);
    const events = await settledAfter(suite.handle.db, START, 2);
    expect(events.map((e) => e.cursor.split('-')[0])).toEqual(['99', '100']);
    // And from the first, the second.
    const [next] = await settledAfter(suite.handle.db, events[0].position, 1);
    expect(next?.jobName).toBe('b');
  });
});
