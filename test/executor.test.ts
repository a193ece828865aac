/**
 * The built-in subprocess executor, with real processes: it runs `subprocess` steps in order,
 * stores their output for `GET …/logs`, cancels them through the lifecycle (pause and resume by
 * checkpoint: executor.checkpoint.test.ts),
 * fails them with the reason, leaves container steps alone, and (on PostgreSQL) never lets two
 * gateways run the same step.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, startGateway, useGateway } from './support/gateway.js';
import { processGone } from './support/process.js';
import { eventually } from './support/wait.js';

const node = process.execPath;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const TICKING = 'setInterval(() => console.log(Date.now()), 50)';

type StepInput = {
  name: string;
  script: string;
  environment?: unknown[];
  lifecycle?: Record<string, number>;
};

function subprocessJob(name: string, steps: StepInput[]) {
  return {
    name,
    source: 'tests',
    spec: {},
    platform_spec: {
      steps: steps.map(({ name: stepName, script, environment, lifecycle }) => ({
        name: stepName,
        executor: { provider: 'subprocess', command: [node, '-e', script] },
        ...(environment ? { environment } : {}),
        ...(lifecycle ? { lifecycle } : {}),
      })),
    },
  };
}

describe.each(databaseKinds)('the subprocess executor on $name', (kind) => {
  const suite = useGateway(kind);
  let scratch: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'executor-test-'));
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  const jobs = (ws: string) => `${JOBS}/workspaces/${ws}/jobs`;
  async function create(ws: string, body: unknown, at = suite.base) {
    const res = await http(at, 'POST', jobs(ws), body);
    expect(res.status, res.text).toBe(201);
    return res.body;
  }
  const getJob = async (ws: string, name: string, at = suite.base) =>
    (await http(at, 'GET', `${jobs(ws)}/${name}`)).body;
  const statusTree = async (ws: string, name: string) =>
    (await http(suite.base, 'GET', `${jobs(ws)}/${name}/status`)).body;
  const untilStatus = (ws: string, name: string, status: string, at = suite.base) =>
    eventually(
      () => getJob(ws, name, at),
      (job) => job.status === status,
    );
  const logs = (ws: string, name: string, query = '') =>
    http(suite.base, 'GET', `${jobs(ws)}/${name}/logs${query}`);
  const lineCount = async (ws: string, name: string) => (await logs(ws, name)).body.total as number;
  const action = async (ws: string, name: string, verb: string) => {
    const res = await http(suite.base, 'POST', `${jobs(ws)}/${name}/${verb}`, {});
    expect(res.status, res.text).toBe(200);
    return res.body;
  };

  it('runs a job of two steps to completed, one after the other, and keeps what they printed in order', async () => {
    const ws = uniqueWorkspace();
    await create(
      ws,
      subprocessJob('two-steps', [
        { name: 'first', script: "console.log('hi'); console.log('from the first step')" },
        { name: 'second', script: "console.error('hi on stderr')" },
      ]),
    );
    const job = await untilStatus(ws, 'two-steps', 'completed');
    expect(job.error_details).toEqual({});
    const tree = await statusTree(ws, 'two-steps');
    expect(tree.steps.map((s: { status: string }) => s.status)).toEqual(['completed', 'completed']);
    expect(tree.steps[0].status_details.runner).toMatch(/^subprocess executor on /);

    const res = await logs(ws, 'two-steps');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [
        {
          timestamp: expect.stringMatching(ISO),
          job: 'two-steps',
          job_step: 'first',
          job_task: 'process',
          message: 'hi',
          stream: 'stdout',
        },
        expect.objectContaining({ job_step: 'first', message: 'from the first step', stream: 'stdout' }),
        expect.objectContaining({ job_step: 'second', message: 'hi on stderr', stream: 'stderr' }),
      ],
      total: 3,
      next_page: null,
      prev_page: null,
    });
    const times = res.body.data.map((line: { timestamp: string }) => line.timestamp);
    expect([...times].sort()).toEqual(times);
  });

  it('pages the logs with limit and cursors, both ways, and takes a tail or one step', async () => {
    const ws = uniqueWorkspace();
    await create(
      ws,
      subprocessJob('counting', [
        { name: 'count', script: 'for (let i = 1; i <= 5; i++) console.log(`line ${i}`)' },
        { name: 'after', script: "console.log('done')" },
      ]),
    );
    await untilStatus(ws, 'counting', 'completed');
    const messages = (body: { data: { message: string }[] }) => body.data.map((l) => l.message);

    const first = await logs(ws, 'counting', '?limit=2');
    expect(messages(first.body)).toEqual(['line 1', 'line 2']);
    expect(first.body.total).toBe(6);
    expect(first.body.prev_page).toBeNull();
    const second = await logs(ws, 'counting', `?limit=2&page_cursor=${first.body.next_page}`);
    expect(messages(second.body)).toEqual(['line 3', 'line 4']);
    const third = await logs(ws, 'counting', `?limit=2&page_cursor=${second.body.next_page}`);
    expect(messages(third.body)).toEqual(['line 5', 'done']);
    expect(third.body.next_page).toBeNull();
    const back = await logs(ws, 'counting', `?limit=2&page_cursor=${third.body.prev_page}`);
    expect(messages(back.body)).toEqual(['line 3', 'line 4']);

    expect(messages((await logs(ws, 'counting', '?tail=2')).body)).toEqual(['line 5', 'done']);
    const step = await logs(ws, 'counting', '?step_id=after');
    expect(messages(step.body)).toEqual(['done']);
    expect(step.body.total).toBe(1);
  });

  it('stores every line of a chatty process, in order, in batches rather than one insert per line', async () => {
    const own = await kind.create();
    let inserts = 0;
    const chatty = await startGateway({
      ...own.options,
      onQuery: (sql) => void (sql.startsWith('insert into "job_logs"') && inserts++),
    });
    try {
      const ws = uniqueWorkspace();
      await create(
        ws,
        subprocessJob('chatty', [{ name: 'count', script: 'for (let i = 0; i < 5000; i++) console.log(i)' }]),
        chatty.url,
      );
      await untilStatus(ws, 'chatty', 'completed', chatty.url);
      const all = await http(chatty.url, 'GET', `${jobs(ws)}/chatty/logs?limit=10000`);
      expect(all.body.total).toBe(5000);
      expect(all.body.data.map((l: { message: string }) => Number(l.message))).toEqual(
        Array.from({ length: 5000 }, (_, i) => i),
      );
      expect(inserts).toBeGreaterThan(0);
      expect(inserts).toBeLessThan(500);
    } finally {
      await chatty.close();
      await own.drop();
    }
  });

  it('answers 404 for the logs of a missing job and 422 for a bad query', async () => {
    const ws = uniqueWorkspace();
    const missing = await logs(ws, 'absent');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: `Job 'absent' not found in workspace '${ws}'.` });

    await create(ws, jobWithSteps('quiet'));
    expect((await logs(ws, 'quiet')).body).toEqual({ data: [], total: 0, next_page: null, prev_page: null });
    for (const [query, field] of [
      ['?limit=0', 'limit'],
      ['?limit=many', 'limit'],
      ['?tail=-1', 'tail'],
      ['?page_cursor=not-a-cursor', 'page_cursor'],
    ]) {
      const res = await logs(ws, 'quiet', query);
      expect(res.status, query).toBe(422);
      expect(res.body.detail[0]).toMatchObject({
        loc: ['query', field],
        type: expect.any(String),
        msg: expect.any(String),
      });
    }
  });

  it('ends a job in error with the exit code when its command fails, and starts no later step', async () => {
    const ws = uniqueWorkspace();
    await create(
      ws,
      subprocessJob('failing', [
        { name: 'fails', script: "console.error('giving up'); process.exit(3)" },
        { name: 'never', script: "console.log('should not run')" },
      ]),
    );
    const job = await untilStatus(ws, 'failing', 'error');
    expect(job.error_details).toEqual({
      exit_code: 3,
      signal: null,
      message: 'The command exited with code 3.',
    });
    const tree = await statusTree(ws, 'failing');
    expect(tree.steps.map((s: { status: string }) => s.status)).toEqual(['error', 'created']);
    expect(tree.steps[0].error_details).toMatchObject({ exit_code: 3 });
    expect((await logs(ws, 'failing')).body.data.map((l: { message: string }) => l.message)).toEqual([
      'giving up',
    ]);
  });

  it('cancels a running step: its process ends', async () => {
    const ws = uniqueWorkspace();
    const pidFile = join(scratch, `ticking-${randomBytes(4).toString('hex')}.pid`);
    await create(
      ws,
      subprocessJob('ticking', [
        {
          name: 'tick',
          script: `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); ${TICKING}`,
        },
      ]),
    );
    await untilStatus(ws, 'ticking', 'active');
    await eventually(
      () => lineCount(ws, 'ticking'),
      (n) => n >= 3,
    );
    await eventually(
      async () => existsSync(pidFile),
      (exists) => exists,
    );
    const pid = Number(readFileSync(pidFile, 'utf8'));

    expect((await action(ws, 'ticking', 'cancel')).status).toBe('cancelling');
    await untilStatus(ws, 'ticking', 'cancelled');
    expect((await statusTree(ws, 'ticking')).steps[0].status).toBe('cancelled');
    await eventually(
      async () => processGone(pid),
      (gone) => gone,
    );
  });

  it('gives the process its environment: values, secrets from the gateway environment, nothing else', async () => {
    const ws = uniqueWorkspace();
    const secret = `test_secret_${randomBytes(4).toString('hex')}`;
    process.env[secret] = 'from-the-gateway';
    process.env.EXECUTOR_TEST_UNRELATED = 'must not leak';
    try {
      await create(
        ws,
        subprocessJob('with-env', [
          {
            name: 'print',
            script:
              "console.log([process.env.MODE, process.env.API_KEY, process.env.EXECUTOR_TEST_UNRELATED ?? 'unset'].join(' '))",
            environment: [
              { name: 'MODE', value: 'test' },
              { name: 'API_KEY', from_secret: { name: secret } },
            ],
          },
        ]),
      );
      await untilStatus(ws, 'with-env', 'completed');
    } finally {
      delete process.env[secret];
      delete process.env.EXECUTOR_TEST_UNRELATED;
    }
    expect((await logs(ws, 'with-env')).body.data.map((l: { message: string }) => l.message)).toEqual([
      'test from-the-gateway unset',
    ]);
  });

  it('fails a step whose secret the gateway does not have, naming the secret, without running it', async () => {
    const ws = uniqueWorkspace();
    const secret = `absent_secret_${randomBytes(4).toString('hex')}`;
    await create(
      ws,
      subprocessJob('no-secret', [
        {
          name: 'needs-key',
          script: "console.log('should not run')",
          environment: [{ name: 'API_KEY', from_secret: { name: secret } }],
        },
      ]),
    );
    const job = await untilStatus(ws, 'no-secret', 'error');
    expect(job.error_details.secret).toBe(secret);
    expect(job.error_details.message).toContain(`'${secret}'`);
    expect(job.error_details.message).toContain("'API_KEY'");
    expect(await lineCount(ws, 'no-secret')).toBe(0);
  });

  it('fails a step whose command does not exist', async () => {
    const ws = uniqueWorkspace();
    await create(ws, {
      ...subprocessJob('no-command', []),
      platform_spec: {
        steps: [
          {
            name: 'missing',
            executor: { provider: 'subprocess', command: ['no-such-command-anywhere', '--help'] },
          },
        ],
      },
    });
    const job = await untilStatus(ws, 'no-command', 'error');
    expect(job.error_details.message).toContain('no-such-command-anywhere');
    expect(job.error_details.message).toContain('ENOENT');
  });

  it('leaves container steps to their controllers', async () => {
    const ws = uniqueWorkspace();
    await create(ws, jobWithSteps('in-a-container', 2));
    await create(ws, subprocessJob('alongside', [{ name: 'quick', script: "console.log('hi')" }]));
    await untilStatus(ws, 'alongside', 'completed');
    const tree = await statusTree(ws, 'in-a-container');
    expect(tree.status).toBe('created');
    expect(tree.steps.map((s: { status: string }) => s.status)).toEqual(['created', 'created']);
  });

  it('settles a pause, a resume and a cancel of steps that never started', async () => {
    const own = await kind.create();
    try {
      const ws = uniqueWorkspace();
      // Paused and cancelled while no executor was there to start them.
      const manual = await startGateway({ ...own.options, executor: false });
      for (const name of ['paused-early', 'cancelled-early']) {
        await create(ws, subprocessJob(name, [{ name: 'hello', script: "console.log('ran')" }]), manual.url);
        await http(manual.url, 'POST', `${jobs(ws)}/${name}/pause`, {});
      }
      expect((await getJob(ws, 'paused-early', manual.url)).status).toBe('pausing');
      await manual.close();

      const running = await startGateway(own.options);
      try {
        await untilStatus(ws, 'paused-early', 'paused', running.url);
        await untilStatus(ws, 'cancelled-early', 'paused', running.url);
        expect((await http(running.url, 'POST', `${jobs(ws)}/cancelled-early/cancel`, {})).status).toBe(200);
        await untilStatus(ws, 'cancelled-early', 'cancelled', running.url);
        expect((await http(running.url, 'POST', `${jobs(ws)}/paused-early/resume`, {})).status).toBe(200);
        await untilStatus(ws, 'paused-early', 'completed', running.url);
        const out = await http(running.url, 'GET', `${jobs(ws)}/paused-early/logs`);
        expect(out.body.data.map((l: { message: string }) => l.message)).toEqual(['ran']);
        expect((await http(running.url, 'GET', `${jobs(ws)}/cancelled-early/logs`)).body.total).toBe(0);
      } finally {
        await running.close();
      }
    } finally {
      await own.drop();
    }
  });

  it('leaves the steps it runs in error when the gateway stops', async () => {
    const own = await kind.create();
    try {
      const first = await startGateway(own.options);
      const ws = uniqueWorkspace();
      await create(ws, subprocessJob('interrupted', [{ name: 'tick', script: TICKING }]), first.url);
      await untilStatus(ws, 'interrupted', 'active', first.url);
      // Running, not only claimed: it has printed.
      await eventually(
        async () => (await http(first.url, 'GET', `${jobs(ws)}/interrupted/logs`)).body.total as number,
        (n) => n > 0,
      );
      await first.close();

      const second = await startGateway({ ...own.options, executor: false });
      try {
        const job = await getJob(ws, 'interrupted', second.url);
        expect(job.status).toBe('error');
        expect(job.error_details).toMatchObject({
          message: 'gateway stopped while the step was running',
          signal: 'SIGTERM',
        });
      } finally {
        await second.close();
      }
    } finally {
      await own.drop();
    }
  });

  it.runIf(kind.name === 'postgres')(
    'never runs a step twice when two gateways share the database',
    async () => {
      const other = await startGateway(suite.database.options);
      try {
        const ws = uniqueWorkspace();
        const ledger = join(scratch, `ledger-${randomBytes(4).toString('hex')}`);
        const names = Array.from({ length: 8 }, (_, i) => `shared-${i}`);
        const record = (mark: string) =>
          `require('fs').appendFileSync(${JSON.stringify(ledger)}, ${JSON.stringify(mark)} + '\\n'); console.log('ran')`;
        // Created through both gateways at once, so both hear of every job immediately.
        await Promise.all(
          names.map((name, i) =>
            create(
              ws,
              subprocessJob(name, [
                { name: 'one', script: record(`${name}/one`) },
                { name: 'two', script: record(`${name}/two`) },
              ]),
              i % 2 === 0 ? suite.base : other.url,
            ),
          ),
        );
        for (const name of names) await untilStatus(ws, name, 'completed');
        const runs = readFileSync(ledger, 'utf8').trim().split('\n').sort();
        expect(runs).toEqual(names.flatMap((name) => [`${name}/one`, `${name}/two`]).sort());
        for (const name of names) expect(await lineCount(ws, name)).toBe(2);
      } finally {
        await other.close();
      }
    },
  );
});
