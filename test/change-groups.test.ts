/**
 * Status changes that arrive while the pool's change slots are busy commit together, in one
 * transaction (a pool of 2 has one slot); a group that meets a job held elsewhere gives way, and
 * its other changes still answer. PostgreSQL only: PGlite runs each change alone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, type TestDatabase } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, startGateway, type RunningGateway } from './support/gateway.js';
import { eventually } from './support/wait.js';

const postgresKind = databaseKinds.find((k) => k.name === 'postgres');

describe.skipIf(!postgresKind)('status changes committed in groups, on postgres', () => {
  let database: TestDatabase;
  let suite: RunningGateway;
  /** Operators' sessions, each holding one job's row in an open transaction. */
  let first: postgres.Sql;
  let second: postgres.Sql;
  let observer: postgres.Sql;

  beforeAll(async () => {
    database = await postgresKind!.create();
    // A statement deadline longer than the test's own: a group that gave way only when its
    // statement was cancelled would fail the test instead of passing late.
    suite = await startGateway({
      databaseUrl: database.options.databaseUrl!,
      poolSize: 2,
      replyTimeoutSeconds: 120,
    });
    const connect = () => postgres(database.options.databaseUrl!, { max: 1, onnotice: () => {} });
    [first, second, observer] = [connect(), connect(), connect()];
  });
  afterAll(async () => {
    await Promise.all([first?.end(), second?.end(), observer?.end()]);
    await suite?.close();
    await database?.drop();
  });

  async function createJobs(workspace: string, names: string[]) {
    for (const name of names) {
      const created = await http(
        suite.url,
        'POST',
        `${JOBS}/workspaces/${workspace}/jobs`,
        jobWithSteps(name),
      );
      expect(created.status).toBe(201);
    }
  }

  /** Holds the job's row in `session`'s open transaction until `release` is called. */
  async function hold(session: postgres.Sql, workspace: string, name: string) {
    const reserved = await session.reserve();
    await reserved`begin`;
    await reserved`select 1 from jobs where workspace = ${workspace} and name = ${name} for update`;
    return async () => {
      await reserved`rollback`;
      reserved.release();
    };
  }

  const changesWaitingOnLocks = async () =>
    (
      await observer`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and application_name like 'jobs-gateway %'
          and wait_event_type = 'Lock'`
    )[0].n as number;

  const pause = (workspace: string, name: string) =>
    http(suite.url, 'POST', `${JOBS}/workspaces/${workspace}/jobs/${name}/pause`, {});

  it('commits the changes that waited for a slot in one transaction, each with its own answer and event', async () => {
    const workspace = uniqueWorkspace('group');
    const names = Array.from({ length: 12 }, (_, i) => `job-${i}`);
    await createJobs(workspace, ['blocker', ...names]);

    const release = await hold(first, workspace, 'blocker');
    let pauses: Promise<{ status: number; body: any }[]>;
    let blocked: Promise<{ status: number }>;
    try {
      // The one slot is taken by a pause waiting for the held job...
      blocked = pause(workspace, 'blocker');
      await eventually(changesWaitingOnLocks, (n) => n === 1);
      // ... so these wait in the gateway, and go together once it is free.
      pauses = Promise.all(names.map((name) => pause(workspace, name)));
      await sleep(300);
    } finally {
      await release();
    }
    expect((await blocked).status).toBe(200);
    for (const answer of await pauses)
      expect(answer).toMatchObject({ status: 200, body: { status: 'pausing' } });

    const events = await observer`select job_name, xid::text as xid from job_status_events
      where workspace = ${workspace} and job_name <> 'blocker' and status = 'pausing'`;
    expect(events.map((e) => e.job_name).sort()).toEqual([...names].sort());
    // One by one, each change would have its own transaction.
    expect(new Set(events.map((e) => e.xid)).size).toBeLessThan(names.length);
    const jobs =
      await observer`select name, status from jobs where workspace = ${workspace} and name <> 'blocker'`;
    expect(jobs.every((job) => job.status === 'pausing')).toBe(true);
  });

  it('lets a group that meets a job held elsewhere give way: its other changes answer, the held one once free', async () => {
    const workspace = uniqueWorkspace('giveway');
    await createJobs(workspace, ['blocker', 'held', 'job-a', 'job-b', 'job-c']);

    const releaseBlocker = await hold(first, workspace, 'blocker');
    const releaseHeld = await hold(second, workspace, 'held');
    let blocked: Promise<{ status: number }>;
    let held: Promise<{ status: number; body: any }>;
    let others: Promise<{ status: number; body: any }[]>;
    try {
      blocked = pause(workspace, 'blocker');
      await eventually(changesWaitingOnLocks, (n) => n === 1);
      // These four wait for the slot and then form one group, which meets the held job.
      held = pause(workspace, 'held');
      others = Promise.all(['job-a', 'job-b', 'job-c'].map((name) => pause(workspace, name)));
      await sleep(300);
      await releaseBlocker();
      expect((await blocked).status).toBe(200);
      // Answered while the held job is still held: the group gave way and they ran alone.
      for (const answer of await others)
        expect(answer).toMatchObject({ status: 200, body: { status: 'pausing' } });
    } finally {
      await releaseHeld();
    }
    expect(await held).toMatchObject({ status: 200, body: { name: 'held', status: 'pausing' } });

    const events = await observer`select job_name from job_status_events
      where workspace = ${workspace} and status = 'pausing' order by job_name`;
    expect(events.map((e) => e.job_name)).toEqual(['blocker', 'held', 'job-a', 'job-b', 'job-c']);
  });
});
