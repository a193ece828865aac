/** Realtime watchers: jobStatus and jobEvents over graphql-ws, replay by cursor, across processes. */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, type TestDatabase } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import {
  gql,
  http,
  JOBS,
  type RunningGateway,
  startGateway,
  subscribe,
  useGateway,
  wsClient,
} from './support/gateway.js';
import { startGatewayProcess, type GatewayProcess } from './support/process.js';

const JOB_STATUS = /* GraphQL */ `
  subscription ($workspace: String!, $name: String!, $after: String) {
    jobStatus(workspace: $workspace, name: $name, after: $after) {
      cursor
      status
      previousStatus
      occurredAt
      job {
        name
        status
      }
    }
  }
`;
/** Without the job itself: a deleted job's events can be replayed, but the job cannot be read. */
const JOB_STATUS_ONLY = /* GraphQL */ `
  subscription ($workspace: String!, $name: String!, $after: String) {
    jobStatus(workspace: $workspace, name: $name, after: $after) {
      cursor
      status
    }
  }
`;
const JOB_EVENTS = /* GraphQL */ `
  subscription ($workspace: String!, $after: String) {
    jobEvents(workspace: $workspace, after: $after) {
      cursor
      status
      previousStatus
      job {
        name
      }
    }
  }
`;

type StatusEvent = {
  jobStatus: { cursor: string; status: string; previousStatus: string | null; job: { name: string } };
};
type WorkspaceEvent = {
  jobEvents: { cursor: string; status: string; previousStatus: string | null; job: { name: string } };
};

const jobPath = (ws: string, name: string) => `${JOBS}/workspaces/${ws}/jobs/${name}`;
const patchStep = (base: string, ws: string, name: string, status: string, step = 'step-a') =>
  http(base, 'PATCH', `${jobPath(ws, name)}/steps/${step}/status`, { status });

describe.each(databaseKinds)('subscriptions on $name', (kind) => {
  const suite = useGateway(kind);

  it('jobStatus sends the current state, then a REST pause, then completes after a terminal status', async () => {
    const ws = uniqueWorkspace();
    await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps('watched'));
    const client = wsClient(suite.base);
    const sub = subscribe<StatusEvent>(client, JOB_STATUS, { workspace: ws, name: 'watched' });
    await sub.until(() => sub.received.length === 1);
    expect(sub.received[0].jobStatus).toMatchObject({
      status: 'CREATED',
      previousStatus: null,
      job: { name: 'watched' },
    });

    expect((await http(suite.base, 'POST', `${jobPath(ws, 'watched')}/pause`, {})).status).toBe(200);
    await sub.until(() => sub.received.length === 2);
    expect(sub.received[1].jobStatus).toMatchObject({
      status: 'PAUSING',
      previousStatus: 'CREATED',
      job: { status: 'PAUSING' },
    });

    await http(suite.base, 'POST', `${jobPath(ws, 'watched')}/cancel`, {});
    await patchStep(suite.base, ws, 'watched', 'cancelled');
    await sub.until(() => sub.completed);
    expect(sub.received.map((r) => r.jobStatus.status)).toEqual([
      'CREATED',
      'PAUSING',
      'CANCELLING',
      'CANCELLED',
    ]);
    expect(sub.errors).toEqual([]);
    await client.dispose();
  });

  it('jobStatus with a cursor at the terminal event of a finished job completes at once', async () => {
    const ws = uniqueWorkspace();
    await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps('finished'));
    await http(suite.base, 'POST', `${jobPath(ws, 'finished')}/cancel`, {});
    const client = wsClient(suite.base);
    const all = subscribe<StatusEvent>(client, JOB_STATUS, { workspace: ws, name: 'finished', after: '0-0' });
    await all.until(() => all.completed);
    expect(all.received.map((r) => r.jobStatus.status)).toEqual(['CREATED', 'CANCELLED']);
    const last = all.received[1].jobStatus.cursor;
    const none = subscribe<StatusEvent>(client, JOB_STATUS, { workspace: ws, name: 'finished', after: last });
    await none.until(() => none.completed);
    expect(none.received).toEqual([]);
    expect(none.errors).toEqual([]);
    await client.dispose();
  });

  it('jobStatus on a missing job is an error, not a silent stream', async () => {
    const client = wsClient(suite.base);
    const sub = subscribe(client, JOB_STATUS, { workspace: 'nowhere', name: 'ghost' });
    await sub.until(() => sub.completed);
    expect(JSON.stringify(sub.errors)).toContain("Job 'ghost' not found in workspace 'nowhere'.");
    await client.dispose();
  });

  it('jobStatus with a cursor replays a deleted job, and past its last change the job is not found', async () => {
    const ws = uniqueWorkspace();
    await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps('gone'));
    await http(suite.base, 'POST', `${jobPath(ws, 'gone')}/cancel`, {});
    expect((await http(suite.base, 'DELETE', jobPath(ws, 'gone'))).status).toBe(204);
    const client = wsClient(suite.base);
    const replay = subscribe<StatusEvent>(client, JOB_STATUS_ONLY, {
      workspace: ws,
      name: 'gone',
      after: '0-0',
    });
    await replay.until(() => replay.completed);
    expect(replay.received.map((r) => r.jobStatus.status)).toEqual(['CREATED', 'CANCELLED']);
    expect(replay.errors).toEqual([]);
    const after = replay.received[1].jobStatus.cursor;
    for (const name of ['gone', 'never-was']) {
      const past = subscribe<StatusEvent>(client, JOB_STATUS_ONLY, { workspace: ws, name, after });
      await past.until(() => past.completed);
      expect(past.received).toEqual([]);
      expect(JSON.stringify(past.errors)).toContain(`Job '${name}' not found in workspace '${ws}'.`);
    }
    await client.dispose();
  });

  it('a watcher that reconnects with `after` misses nothing and sees nothing twice', async () => {
    const ws = uniqueWorkspace();
    await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps('flaky', 2));
    const first = wsClient(suite.base);
    const before = subscribe<StatusEvent>(first, JOB_STATUS, { workspace: ws, name: 'flaky' });
    await sub_until_status(before, 'CREATED');
    await patchStep(suite.base, ws, 'flaky', 'active');
    await sub_until_status(before, 'ACTIVE');
    const lastSeen = before.received.at(-1)!.jobStatus.cursor;
    await first.dispose();

    // While the watcher is away: pause, paused, resume.
    await http(suite.base, 'POST', `${jobPath(ws, 'flaky')}/pause`, {});
    await patchStep(suite.base, ws, 'flaky', 'paused');
    await http(suite.base, 'POST', `${jobPath(ws, 'flaky')}/resume`, {});

    const second = wsClient(suite.base);
    const after = subscribe<StatusEvent>(second, JOB_STATUS, {
      workspace: ws,
      name: 'flaky',
      after: lastSeen,
    });
    await after.until(() => after.received.length === 3);
    await patchStep(suite.base, ws, 'flaky', 'active');
    await after.until(() => after.received.length === 4);
    expect(after.received.map((r) => [r.jobStatus.previousStatus, r.jobStatus.status])).toEqual([
      ['ACTIVE', 'PAUSING'],
      ['PAUSING', 'PAUSED'],
      ['PAUSED', 'RESUMING'],
      ['RESUMING', 'ACTIVE'],
    ]);
    await second.dispose();
  });

  it('watchers of the same job each get their own selection and variables, and one leaving ends no other', async () => {
    const ws = uniqueWorkspace();
    await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps('job-a'));
    await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps('job-b'));
    const clients = Array.from({ length: 5 }, () => wsClient(suite.base));
    const full = [0, 1].map((i) =>
      subscribe<StatusEvent>(clients[i], JOB_STATUS, { workspace: ws, name: 'job-a' }),
    );
    const only = subscribe<StatusEvent>(clients[2], JOB_STATUS_ONLY, { workspace: ws, name: 'job-a' });
    const other = subscribe<StatusEvent>(clients[3], JOB_STATUS, { workspace: ws, name: 'job-b' });
    const leaving = subscribe<StatusEvent>(clients[4], JOB_STATUS, { workspace: ws, name: 'job-a' });
    for (const sub of [...full, only, other, leaving]) await sub.until(() => sub.received.length === 1);
    await clients[4].dispose();

    await http(suite.base, 'POST', `${jobPath(ws, 'job-a')}/pause`, {});
    await http(suite.base, 'POST', `${jobPath(ws, 'job-b')}/cancel`, {});
    await patchStep(suite.base, ws, 'job-a', 'paused');
    for (const sub of [...full, only]) await sub.until(() => sub.received.length === 3);
    await other.until(() => other.received.length === 2);

    expect(full[0].received).toEqual(full[1].received);
    // The job as it is at delivery: its name, not its status, is certain here.
    expect(full[0].received.map((r) => [r.jobStatus.status, r.jobStatus.job.name])).toEqual([
      ['CREATED', 'job-a'],
      ['PAUSING', 'job-a'],
      ['PAUSED', 'job-a'],
    ]);
    expect(only.received.map((r) => r.jobStatus)).toEqual(
      full[0].received.map(({ jobStatus: { cursor, status } }) => ({ cursor, status })),
    );
    expect(other.received.map((r) => [r.jobStatus.status, r.jobStatus.job.name])).toEqual([
      ['CREATED', 'job-b'],
      ['CANCELLED', 'job-b'],
    ]);
    for (const sub of [...full, only, other]) expect(sub.errors).toEqual([]);
    for (const client of clients.slice(0, 4)) await client.dispose();
  });

  it('jobEvents delivers every change in a workspace once, in commit order, under concurrent writers', async () => {
    const ws = uniqueWorkspace();
    const names = Array.from({ length: 8 }, (_, i) => `busy-${i}`);
    const client = wsClient(suite.base);
    // Start from a known cursor: the writers need not wait for the subscription to be live.
    await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps('marker'));
    const marker = await gql(
      suite.base,
      `{ job(workspace: "${ws}", name: "marker") { events { nodes { cursor } } } }`,
    );
    const start = marker.data.job.events.nodes[0].cursor;
    const sub = subscribe<WorkspaceEvent>(client, JOB_EVENTS, { workspace: ws, after: start });
    await Promise.all(
      names.map(async (name) => {
        await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps(name, 2));
        await patchStep(suite.base, ws, name, 'active');
        await http(suite.base, 'POST', `${jobPath(ws, name)}/pause`, {});
        await patchStep(suite.base, ws, name, 'paused');
        await http(suite.base, 'POST', `${jobPath(ws, name)}/cancel`, {});
      }),
    );
    await sub.until(() => sub.received.length === names.length * 5, 10_000);
    const cursors = sub.received.map((r) => r.jobEvents.cursor);
    expect(new Set(cursors).size).toBe(cursors.length);
    for (const name of names) {
      const mine = sub.received.filter((r) => r.jobEvents.job.name === name).map((r) => r.jobEvents.status);
      expect(mine, name).toEqual(['CREATED', 'ACTIVE', 'PAUSING', 'PAUSED', 'CANCELLING']);
    }
    // A replay of the whole workspace from the start gives the same events in the same order.
    const replayClient = wsClient(suite.base);
    const replay = subscribe<WorkspaceEvent>(replayClient, JOB_EVENTS, { workspace: ws, after: '0-0' });
    await replay.until(() => replay.received.length === cursors.length + 1);
    expect(replay.received.slice(1).map((r) => r.jobEvents.cursor)).toEqual(cursors);
    await client.dispose();
    await replayClient.dispose();
  });
});

async function sub_until_status(
  sub: { received: StatusEvent[]; until: (p: () => boolean) => Promise<void> },
  status: string,
) {
  await sub.until(() => sub.received.some((r) => r.jobStatus.status === status));
}

const postgresOnly = databaseKinds.filter((k) => k.name === 'postgres');

describe.skipIf(postgresOnly.length === 0).each(postgresOnly)('across server processes on $name', (kind) => {
  let database: TestDatabase;
  let local: RunningGateway;
  let remote: GatewayProcess;

  beforeAll(async () => {
    database = await kind.create();
    local = await startGateway(database.options);
    remote = await startGatewayProcess({ DATABASE_URL: database.options.databaseUrl! });
  });
  afterAll(async () => {
    await remote?.stop();
    await local?.close();
    await database?.drop();
  });

  it('a change made through another process reaches a subscriber here, and the reverse', async () => {
    const ws = uniqueWorkspace();
    await http(remote.url, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps('shared'));
    const here = wsClient(local.url);
    const there = wsClient(remote.url);
    const subHere = subscribe<StatusEvent>(here, JOB_STATUS, { workspace: ws, name: 'shared' });
    const subThere = subscribe<StatusEvent>(there, JOB_STATUS, { workspace: ws, name: 'shared' });
    await subHere.until(() => subHere.received.length === 1);
    await subThere.until(() => subThere.received.length === 1);

    await http(remote.url, 'POST', `${jobPath(ws, 'shared')}/pause`, {});
    await patchStep(local.url, ws, 'shared', 'paused');
    await http(remote.url, 'POST', `${jobPath(ws, 'shared')}/resume`, {});
    for (const sub of [subHere, subThere]) {
      await sub.until(() => sub.received.length === 4);
      expect(sub.received.map((r) => r.jobStatus.status)).toEqual([
        'CREATED',
        'PAUSING',
        'PAUSED',
        'RESUMING',
      ]);
    }
    await here.dispose();
    await there.dispose();
  });

  it('every subscriber gets every event once, in order, although its listening connection is killed mid-stream', async () => {
    const ws = uniqueWorkspace();
    const names = Array.from({ length: 5 }, (_, i) => `survivor-${i}`);
    for (const name of names)
      await http(remote.url, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps(name, 20));
    const client = wsClient(local.url);
    const subs = names.map((name) => subscribe<StatusEvent>(client, JOB_STATUS, { workspace: ws, name }));
    const all = subscribe<WorkspaceEvent>(client, JOB_EVENTS, { workspace: ws, after: '0-0' });
    for (const sub of subs) await sub.until(() => sub.received.length === 1);

    const admin = postgres(database.options.databaseUrl!, { max: 1, onnotice: () => {} });
    const produce = async (name: string) => {
      // Each of 20 steps goes active, then completed: the job alternates ACTIVE and PENDING.
      for (let i = 0; i < 40; i++) {
        const step = `step-${String.fromCharCode(97 + Math.floor(i / 2))}`;
        await patchStep(remote.url, ws, name, i % 2 === 0 ? 'active' : 'completed', step);
      }
    };
    const producing = Promise.all(names.map(produce));
    let killed = 0;
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, 60));
      const rows = await admin`
        select pg_terminate_backend(pid) as ok from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen%'`;
      killed += rows.length;
    }
    await producing;
    await admin.end();
    expect(killed).toBeGreaterThan(0);

    // The current state, then per step ACTIVE and PENDING (the next step starts), the last COMPLETED.
    const expected = [
      'CREATED',
      ...Array.from({ length: 19 }, () => ['ACTIVE', 'PENDING']).flat(),
      'ACTIVE',
      'COMPLETED',
    ];
    const perJob = expected.length;
    for (const sub of subs) await sub.until(() => sub.received.length === perJob, 15_000);
    for (const sub of subs) {
      const statuses = sub.received.map((r) => r.jobStatus.status);
      expect(statuses).toEqual(expected);
      await sub.until(() => sub.completed);
      const cursors = sub.received.map((r) => r.jobStatus.cursor);
      expect(new Set(cursors).size).toBe(cursors.length);
    }
    await all.until(() => all.received.length === names.length * perJob, 15_000);
    expect(new Set(all.received.map((r) => r.jobEvents.cursor)).size).toBe(names.length * perJob);
    await client.dispose();
  });
});
