/**
 * Job logs in GraphQL, with real subprocess steps: `Job.logs` pages the same windows as REST's
 * `GET …/logs`; `jobLogs` follows a running step live over graphql-ws and SSE, resumes after a
 * cursor, completes when the job ends, and (on PostgreSQL) hears of lines stored by another
 * gateway process through NOTIFY.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { gql, http, JOBS, startGateway, subscribe, useGateway, wsClient } from './support/gateway.js';
import { openEventStream } from './support/sse.js';
import { eventually } from './support/wait.js';

const node = process.execPath;

/** A job whose steps run these Node.js scripts. */
function scriptJob(name: string, steps: { name: string; script: string }[]) {
  return {
    name,
    source: 'tests',
    spec: {},
    platform_spec: {
      steps: steps.map((step) => ({
        name: step.name,
        executor: { provider: 'subprocess', command: [node, '-e', step.script] },
      })),
    },
  };
}

/**
 * Prints `before`, waits until `file` exists, prints `after`, waits until `file`.end exists and
 * exits: a step the test moves along, so a line can be shown to arrive while the job still runs.
 */
const waitingScript = (file: string, before: string, after: string) =>
  `const fs = require('fs'); const f = ${JSON.stringify(file)}; console.log(${JSON.stringify(before)});
   const until = (path, then) => { const t = setInterval(() => { if (fs.existsSync(path)) { clearInterval(t); then(); } }, 20); };
   until(f, () => { console.log(${JSON.stringify(after)}); until(f + '.end', () => process.exit(0)); });`;

const LOGS = /* GraphQL */ `
  query (
    $ws: String!
    $name: String!
    $first: Int
    $after: String
    $last: Int
    $before: String
    $step: String
  ) {
    job(workspace: $ws, name: $name) {
      logs(first: $first, after: $after, last: $last, before: $before, step: $step) {
        totalCount
        pageInfo {
          hasNextPage
          hasPreviousPage
          startCursor
          endCursor
        }
        edges {
          cursor
          node {
            cursor
            step
            stream
            message
            timestamp
          }
        }
      }
    }
  }
`;

const FOLLOW = /* GraphQL */ `
  subscription ($ws: String!, $name: String!, $step: String, $after: String) {
    jobLogs(workspace: $ws, name: $name, step: $step, after: $after) {
      cursor
      step
      stream
      message
    }
  }
`;

type Line = { cursor: string; step: string; stream: string; message: string };

describe.each(databaseKinds)('job logs in GraphQL on $name', (kind) => {
  const suite = useGateway(kind, { logWakeups: { pollIntervalMs: 600_000 } });
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'graphql-logs-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const jobsPath = (ws: string) => `${JOBS}/workspaces/${ws}/jobs`;
  async function create(ws: string, body: unknown) {
    const res = await http(suite.base, 'POST', jobsPath(ws), body);
    expect(res.status, res.text).toBe(201);
  }
  const untilStatus = (ws: string, name: string, status: string) =>
    eventually(
      async () => (await http(suite.base, 'GET', `${jobsPath(ws)}/${name}`)).body,
      (job) => job.status === status,
    );
  const logs = async (ws: string, name: string, args: Record<string, unknown> = {}) =>
    gql(suite.base, LOGS, { ws, name, ...args });
  const messages = (res: { data?: { job: { logs: { edges: { node: Line }[] } } } }) =>
    res.data!.job.logs.edges.map((edge) => edge.node.message);

  /** A completed job of two steps: step-a prints a1..a3 (a2 on stderr), step-b prints b1, b2. */
  async function completedJob(ws: string) {
    await create(
      ws,
      scriptJob('printed', [
        { name: 'step-a', script: "console.log('a1'); console.error('a2'); console.log('a3')" },
        { name: 'step-b', script: "console.log('b1'); console.log('b2')" },
      ]),
    );
    await untilStatus(ws, 'printed', 'completed');
  }

  it('pages as REST does: from the start, after a cursor, the newest, before a cursor, one step', async () => {
    const ws = `logs-${randomBytes(4).toString('hex')}`;
    await completedJob(ws);
    const rest = await http(suite.base, 'GET', `${jobsPath(ws)}/printed/logs`);
    expect(rest.body.data.map((l: { message: string }) => l.message).sort()).toEqual([
      'a1',
      'a2',
      'a3',
      'b1',
      'b2',
    ]);

    const all = await logs(ws, 'printed');
    expect(all.errors).toBeUndefined();
    // The same lines, in the same order, as REST serves.
    expect(messages(all)).toEqual(rest.body.data.map((l: { message: string }) => l.message));
    const lines: Line[] = all.data.job.logs.edges.map((e: { node: Line }) => e.node);
    expect(lines.find((l) => l.message === 'a2')).toMatchObject({ step: 'step-a', stream: 'STDERR' });
    expect(
      all.data.job.logs.edges.every((e: { cursor: string; node: Line }) => e.cursor === e.node.cursor),
    ).toBe(true);

    const first = await logs(ws, 'printed', { first: 2 });
    expect(first.data.job.logs).toMatchObject({
      totalCount: 5,
      pageInfo: { hasNextPage: true, hasPreviousPage: false },
    });
    expect(messages(first)).toEqual(messages(all).slice(0, 2));
    const second = await logs(ws, 'printed', { first: 2, after: first.data.job.logs.pageInfo.endCursor });
    expect(messages(second)).toEqual(messages(all).slice(2, 4));
    expect(second.data.job.logs.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const tail = await logs(ws, 'printed', { last: 2 });
    expect(messages(tail)).toEqual(messages(all).slice(3));
    expect(tail.data.job.logs.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const back = await logs(ws, 'printed', { last: 2, before: tail.data.job.logs.pageInfo.startCursor });
    expect(messages(back)).toEqual(messages(all).slice(1, 3));

    const stepB = await logs(ws, 'printed', { step: 'step-b' });
    expect(messages(stepB)).toEqual(['b1', 'b2']);
    expect(stepB.data.job.logs.totalCount).toBe(2);
  });

  it('answers bad paging arguments with BAD_USER_INPUT naming the argument', async () => {
    const ws = `logs-${randomBytes(4).toString('hex')}`;
    await completedJob(ws);
    const cases: [Record<string, unknown>, string][] = [
      [{ after: 'nonsense' }, 'Invalid cursor "nonsense" for argument "after" of "logs".'],
      [{ before: 'bGluZTp4' }, 'Invalid cursor "bGluZTp4" for argument "before" of "logs".'],
      [{ first: 10_001 }, 'Argument "first" of "logs" must be between 0 and 10000.'],
      [{ last: -1 }, 'Argument "last" of "logs" must be between 0 and 10000.'],
      [{ first: 1, last: 1 }, 'Argument "last" of "logs" cannot be given together with "first".'],
    ];
    for (const [args, message] of cases) {
      const res = await logs(ws, 'printed', args);
      expect(res.errors, JSON.stringify(args)).toEqual([
        expect.objectContaining({ message, extensions: { code: 'BAD_USER_INPUT' } }),
      ]);
    }
    const sub = subscribe(wsClient(suite.base), FOLLOW, { ws, name: 'printed', after: 'nonsense' });
    await sub.until(() => sub.completed);
    expect(sub.errors).toEqual([
      expect.objectContaining({ message: 'Invalid cursor "nonsense" for argument "after" of "jobLogs".' }),
    ]);
  });

  it('jobLogs over graphql-ws: what exists, then each new line live, then completes when the job ends', async () => {
    const ws = `logs-${randomBytes(4).toString('hex')}`;
    const go = join(scratch, `${ws}.go`);
    await create(ws, scriptJob('live', [{ name: 'talk', script: waitingScript(go, 'one', 'two') }]));
    const client = wsClient(suite.base);
    const sub = subscribe<{ jobLogs: Line }>(client, FOLLOW, { ws, name: 'live' });
    await sub.until(() => sub.received.length === 1, 15_000);
    expect(sub.received[0].jobLogs).toMatchObject({ step: 'talk', stream: 'STDOUT', message: 'one' });
    expect(sub.completed).toBe(false);

    // The step prints its second line only now, while the subscription is open, and it arrives
    // while the job still runs.
    writeFileSync(go, '');
    await sub.until(() => sub.received.length === 2, 15_000);
    expect((await http(suite.base, 'GET', `${jobsPath(ws)}/live`)).body.status).toBe('active');
    expect(sub.completed).toBe(false);
    writeFileSync(`${go}.end`, '');
    await sub.until(() => sub.completed, 15_000);
    expect(sub.errors).toEqual([]);
    expect(sub.received.map((r) => r.jobLogs.message)).toEqual(['one', 'two']);
    expect((await http(suite.base, 'GET', `${jobsPath(ws)}/live`)).body.status).toBe('completed');
    await client.dispose();
  });

  it('jobLogs over SSE resumes after a cursor, keeps to one step, and ends at once for an ended job', async () => {
    const ws = `logs-${randomBytes(4).toString('hex')}`;
    await completedJob(ws);
    const all = await logs(ws, 'printed');
    const lines: Line[] = all.data.job.logs.edges.map((e: { node: Line }) => e.node);
    const stream = await openEventStream(`${suite.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: FOLLOW, variables: { ws, name: 'printed', after: lines[1].cursor } }),
    });
    expect(stream.status).toBe(200);
    await stream.until((s) => s.ended);
    const received = stream.events
      .filter((e) => e.event === 'next')
      .map((e) => (JSON.parse(e.data) as { data: { jobLogs: Line } }).data.jobLogs.message);
    expect(received).toEqual(lines.slice(2).map((l) => l.message));
    expect(stream.events.at(-1)!.event).toBe('complete');

    const onlyB = subscribe<{ jobLogs: Line }>(wsClient(suite.base), FOLLOW, {
      ws,
      name: 'printed',
      step: 'step-b',
    });
    await onlyB.until(() => onlyB.completed);
    expect(onlyB.received.map((r) => r.jobLogs.message)).toEqual(['b1', 'b2']);
  });

  it('jobLogs of a job that does not exist is a NOT_FOUND error before any line', async () => {
    const sub = subscribe(wsClient(suite.base), FOLLOW, { ws: 'nowhere', name: 'nothing' });
    await sub.until(() => sub.completed);
    expect(sub.received).toEqual([]);
    expect(sub.errors).toEqual([
      expect.objectContaining({
        extensions: { code: 'NOT_FOUND' },
        message: expect.stringContaining('nothing'),
      }),
    ]);
  });

  it.runIf(kind.name === 'postgres')(
    'a follower on another gateway process hears of new lines through NOTIFY (its poll is off)',
    async () => {
      const other = await startGateway({
        ...suite.database.options,
        executor: false,
        logWakeups: { pollIntervalMs: 600_000 },
      });
      try {
        const ws = `logs-${randomBytes(4).toString('hex')}`;
        const go = join(scratch, `${ws}.go`);
        await create(
          ws,
          scriptJob('remote', [{ name: 'talk', script: waitingScript(go, 'first', 'second') }]),
        );
        const client = wsClient(other.url);
        const sub = subscribe<{ jobLogs: Line }>(client, FOLLOW, { ws, name: 'remote' });
        await sub.until(() => sub.received.length === 1, 15_000);
        writeFileSync(go, '');
        // Before the job ends (the end would wake it too): only the NOTIFY can have woken it.
        await sub.until(() => sub.received.length === 2, 15_000);
        expect(sub.completed).toBe(false);
        writeFileSync(`${go}.end`, '');
        await sub.until(() => sub.completed, 15_000);
        expect(sub.errors).toEqual([]);
        expect(sub.received.map((r) => r.jobLogs.message)).toEqual(['first', 'second']);
        await client.dispose();
      } finally {
        await other.close();
      }
    },
  );
});
