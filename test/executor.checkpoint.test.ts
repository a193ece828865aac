/**
 * Pause by checkpoint in the built-in executor, with real processes: a workload gets its job's
 * identity, config and storage through NEMO_JOB_* variables; a pause sends it SIGTERM and what it
 * does then (exit 75, exit 0, another code, nothing within the deadline) decides the step; resume
 * starts it again on the same storage, on any gateway process, after restarts too.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, startGateway, type RunningGateway } from './support/gateway.js';
import { processGone, root } from './support/process.js';
import { eventually } from './support/wait.js';

const node = process.execPath;
const COUNTER = join(root, 'examples/workload/count.mjs');
/** Tests that start gateways of their own (PGlite starts slowly on a busy machine) get longer. */
const STARTS_GATEWAYS_MS = 120_000;

type Step = {
  name?: string;
  command: string[];
  config?: Record<string, unknown>;
  lifecycle?: Record<string, number>;
};

const job = (name: string, steps: Step[]) => ({
  name,
  source: 'tests',
  spec: {},
  platform_spec: {
    steps: steps.map((step, i) => ({
      name: step.name ?? `step-${i}`,
      executor: { provider: 'subprocess', command: step.command },
      ...(step.config ? { config: step.config } : {}),
      ...(step.lifecycle ? { lifecycle: step.lifecycle } : {}),
    })),
  },
});

/** A script that writes its pid to `pidFile`, prints a line every 50 ms, and on SIGTERM does `onTerm`. */
const ticking = (pidFile: string, onTerm: string) =>
  `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));` +
  `setInterval(() => console.log('tick'), 50);` +
  `process.on('SIGTERM', () => { ${onTerm} });`;

describe.each(databaseKinds)('pause by checkpoint on $name', (kind) => {
  let database: Awaited<ReturnType<typeof kind.create>>;
  let gateway: RunningGateway;
  let scratch: string;
  let storageDir: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'checkpoint-test-'));
    storageDir = join(scratch, 'storage');
    database = await kind.create();
    gateway = await startGateway({ ...database.options, executor: { storageDir } });
  });
  afterAll(async () => {
    await gateway?.close();
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const jobs = (ws: string) => `${JOBS}/workspaces/${ws}/jobs`;
  const create = async (ws: string, body: unknown, at = gateway.url) => {
    const res = await http(at, 'POST', jobs(ws), body);
    expect(res.status, res.text).toBe(201);
    return res.body;
  };
  const getJob = async (ws: string, name: string, at = gateway.url) =>
    (await http(at, 'GET', `${jobs(ws)}/${name}`)).body;
  const untilStatus = (ws: string, name: string, status: string, at = gateway.url) =>
    eventually(
      () => getJob(ws, name, at),
      (j) => j.status === status,
    );
  const act = async (ws: string, name: string, verb: string, at = gateway.url) => {
    const res = await http(at, 'POST', `${jobs(ws)}/${name}/${verb}`, {});
    expect(res.status, res.text).toBe(200);
    return res.body;
  };
  const messages = async (ws: string, name: string, at = gateway.url) =>
    (await http(at, 'GET', `${jobs(ws)}/${name}/logs?limit=1000`)).body.data.map(
      (line: { message: string }) => line.message,
    ) as string[];
  const history = async (ws: string, name: string, at = gateway.url) => {
    const res = await gql(
      at,
      `query($ws: String!, $name: String!) { job(workspace: $ws, name: $name) { events(first: 100) { nodes { status } } } }`,
      { ws, name },
    );
    return res.data.job.events.nodes.map((e: { status: string }) => e.status) as string[];
  };
  const pidOf = async (pidFile: string) => {
    await eventually(
      async () => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '',
      (ready) => ready,
    );
    return Number(readFileSync(pidFile, 'utf8'));
  };
  const pidFile = () => join(scratch, `${randomBytes(4).toString('hex')}.pid`);

  it('gives the workload its job, step, config and storage, removes the run files after it and the storage with the job', async () => {
    const ws = uniqueWorkspace();
    const report = join(scratch, `env-${randomBytes(4).toString('hex')}.json`);
    const script = `
      const fs = require('fs'), env = process.env;
      const names = ['NEMO_JOB_ID', 'NEMO_JOB_ATTEMPT_ID', 'NEMO_JOB_STEP', 'NEMO_JOB_WORKSPACE',
        'NEMO_JOB_STEP_CONFIG_FILE_PATH', 'NEMO_JOB_PERSISTENT_JOB_STORAGE_PATH', 'NEMO_JOB_EPHEMERAL_TASK_STORAGE_PATH'];
      fs.writeFileSync(env.NEMO_JOB_PERSISTENT_JOB_STORAGE_PATH + '/kept.txt', 'kept');
      fs.writeFileSync(env.NEMO_JOB_EPHEMERAL_TASK_STORAGE_PATH + '/scratch.txt', 'scratch');
      fs.writeFileSync(${JSON.stringify(report)}, JSON.stringify({
        env: Object.fromEntries(names.map((n) => [n, env[n]])),
        config: JSON.parse(fs.readFileSync(env.NEMO_JOB_STEP_CONFIG_FILE_PATH, 'utf8')),
      }));`;
    const created = await create(
      ws,
      job('with-storage', [
        {
          name: 'inspect',
          command: [node, '-e', script],
          config: { learning_rate: 0.01, epochs: [1, 2] },
        },
      ]),
    );
    await untilStatus(ws, 'with-storage', 'completed');
    const { env, config } = JSON.parse(readFileSync(report, 'utf8'));
    expect(config).toEqual({ learning_rate: 0.01, epochs: [1, 2] });
    expect(env).toMatchObject({
      NEMO_JOB_ID: created.id,
      NEMO_JOB_ATTEMPT_ID: created.attempt_id,
      NEMO_JOB_STEP: 'inspect',
      NEMO_JOB_WORKSPACE: ws,
      NEMO_JOB_PERSISTENT_JOB_STORAGE_PATH: join(storageDir, created.id, 'persistent'),
    });
    expect(env.NEMO_JOB_EPHEMERAL_TASK_STORAGE_PATH.startsWith(join(storageDir, created.id))).toBe(true);
    // The run's own files went with the run; the job's storage stays until the job goes.
    expect(existsSync(env.NEMO_JOB_EPHEMERAL_TASK_STORAGE_PATH)).toBe(false);
    expect(existsSync(env.NEMO_JOB_STEP_CONFIG_FILE_PATH)).toBe(false);
    expect(readFileSync(join(env.NEMO_JOB_PERSISTENT_JOB_STORAGE_PATH, 'kept.txt'), 'utf8')).toBe('kept');

    expect((await http(gateway.url, 'DELETE', `${jobs(ws)}/with-storage`)).status).toBe(204);
    await eventually(
      async () => existsSync(join(storageDir, created.id)),
      (exists) => !exists,
    );
  });

  it('pauses the example workload by checkpoint (process gone), and resumes it from the checkpoint to completion', async () => {
    const ws = uniqueWorkspace();
    await create(
      ws,
      job('counter', [
        {
          name: 'count',
          command: [node, COUNTER],
          config: { count_to: 40, interval_ms: 50 },
          lifecycle: { pause_deadline_seconds: 30 },
        },
      ]),
    );
    await untilStatus(ws, 'counter', 'active');
    await eventually(
      () => messages(ws, 'counter'),
      (lines) => lines.includes('3'),
    );
    expect((await act(ws, 'counter', 'pause')).status).toBe('pausing');
    const paused = await untilStatus(ws, 'counter', 'paused');
    expect(paused.error_details).toEqual({});
    const before = await messages(ws, 'counter');
    const saved = before.find((line) => line.startsWith('checkpoint saved'));
    expect(saved).toMatch(/^checkpoint saved: next is \d+$/);
    const next = Number(saved!.split(' ').pop());
    expect(next).toBeLessThan(40);
    const steps = (await http(gateway.url, 'GET', `${jobs(ws)}/counter/status`)).body.steps;
    expect(steps[0].status).toBe('paused');
    expect(steps[0].status_details.runner_lease).toBeNull();

    expect((await act(ws, 'counter', 'resume')).status).toBe('resuming');
    await untilStatus(ws, 'counter', 'completed');
    const after = (await messages(ws, 'counter')).slice(before.length);
    expect(after[0]).toBe(`resuming from checkpoint: next is ${next}`);
    // It carried on where it stopped: every number once, in order, across both runs.
    const numbers = [...before, ...after].filter((line) => /^\d+$/.test(line)).map(Number);
    expect(numbers).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(after.at(-1)).toBe('done');
    expect(await history(ws, 'counter')).toEqual([
      'CREATED',
      'ACTIVE',
      'PAUSING',
      'PAUSED',
      'RESUMING',
      'PENDING',
      'ACTIVE',
      'COMPLETED',
    ]);
  });

  it('refuses to pause a running step without a pause deadline, naming the step, and leaves it running', async () => {
    const ws = uniqueWorkspace();
    const pid = pidFile();
    await create(
      ws,
      job('no-deadline', [{ name: 'train', command: [node, '-e', ticking(pid, 'process.exit(1)')] }]),
    );
    await untilStatus(ws, 'no-deadline', 'active');
    const res = await http(gateway.url, 'POST', `${jobs(ws)}/no-deadline/pause`, {});
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      detail: "Cannot pause job 'no-deadline': the running step 'train' does not support pause.",
    });
    expect((await getJob(ws, 'no-deadline')).status).toBe('active');
    expect(processGone(await pidOf(pid))).toBe(false);
    await act(ws, 'no-deadline', 'cancel');
    await untilStatus(ws, 'no-deadline', 'cancelled');
  });

  it('completes a step that exits 0 when asked to pause', async () => {
    const ws = uniqueWorkspace();
    const pid = pidFile();
    await create(
      ws,
      job('finishes', [
        {
          command: [node, '-e', ticking(pid, "console.log('finishing instead'); process.exit(0)")],
          lifecycle: { pause_deadline_seconds: 30 },
        },
        { name: 'next', command: [node, '-e', "console.log('second step ran')"] },
      ]),
    );
    await untilStatus(ws, 'finishes', 'active');
    await pidOf(pid);
    await act(ws, 'finishes', 'pause');
    await untilStatus(ws, 'finishes', 'completed');
    expect(await messages(ws, 'finishes')).toEqual(
      expect.arrayContaining(['finishing instead', 'second step ran']),
    );
  });

  it('fails a step that exits with another code while pausing, saying so', async () => {
    const ws = uniqueWorkspace();
    const pid = pidFile();
    await create(
      ws,
      job('bad-exit', [
        { command: [node, '-e', ticking(pid, 'process.exit(3)')], lifecycle: { pause_deadline_seconds: 30 } },
      ]),
    );
    await untilStatus(ws, 'bad-exit', 'active');
    await pidOf(pid);
    await act(ws, 'bad-exit', 'pause');
    const failed = await untilStatus(ws, 'bad-exit', 'error');
    expect(failed.error_details).toEqual({
      exit_code: 3,
      signal: null,
      message: 'Job exited with code 3 while pausing',
    });
  });

  it('kills a step that does not stop within its pause deadline, and fails it', async () => {
    const ws = uniqueWorkspace();
    const pid = pidFile();
    await create(
      ws,
      job('stubborn', [
        {
          command: [node, '-e', ticking(pid, "console.log('not stopping')")],
          lifecycle: { pause_deadline_seconds: 1 },
        },
      ]),
    );
    await untilStatus(ws, 'stubborn', 'active');
    const running = await pidOf(pid);
    await act(ws, 'stubborn', 'pause');
    const failed = await untilStatus(ws, 'stubborn', 'error');
    expect(failed.error_details).toEqual({
      exit_code: null,
      signal: 'SIGKILL',
      message: 'Job did not stop within its pause deadline of 1 s and was killed.',
    });
    expect(await messages(ws, 'stubborn')).toContain('not stopping');
    expect(processGone(running)).toBe(true);
  });

  it('cancels a step paused by checkpoint without starting it again', async () => {
    const ws = uniqueWorkspace();
    await create(
      ws,
      job('paused-then-cancelled', [
        {
          command: [node, COUNTER],
          config: { count_to: 1000, interval_ms: 50 },
          lifecycle: { pause_deadline_seconds: 30 },
        },
      ]),
    );
    await untilStatus(ws, 'paused-then-cancelled', 'active');
    // Paused once it is counting (it checkpoints only once it has started).
    await eventually(
      () => messages(ws, 'paused-then-cancelled'),
      (lines) => lines.includes('1'),
    );
    await act(ws, 'paused-then-cancelled', 'pause');
    await untilStatus(ws, 'paused-then-cancelled', 'paused');
    const lines = (await messages(ws, 'paused-then-cancelled')).length;
    await act(ws, 'paused-then-cancelled', 'cancel');
    await untilStatus(ws, 'paused-then-cancelled', 'cancelled');
    expect(await messages(ws, 'paused-then-cancelled')).toHaveLength(lines);
  });

  it('stops a step that prints nothing for its staleness timeout, and fails it saying so', async () => {
    const ws = uniqueWorkspace();
    await create(
      ws,
      job('silent', [
        {
          command: [node, '-e', "console.log('one line, then nothing'); setInterval(() => {}, 1000)"],
          lifecycle: { staleness_timeout_seconds: 1 },
        },
      ]),
    );
    const failed = await untilStatus(ws, 'silent', 'error');
    expect(failed.error_details).toEqual({
      exit_code: null,
      signal: 'SIGTERM',
      message: 'The step printed nothing for 1 s (its staleness_timeout_seconds) and was stopped.',
    });
  });

  it('keeps a step that prints within its staleness timeout running', async () => {
    const ws = uniqueWorkspace();
    await create(
      ws,
      job('chatty', [
        {
          command: [
            node,
            '-e',
            'let n = 0; const t = setInterval(() => { console.log(n++); if (n === 30) clearInterval(t); }, 100)',
          ],
          lifecycle: { staleness_timeout_seconds: 1 },
        },
      ]),
    );
    await untilStatus(ws, 'chatty', 'completed');
  });

  it(
    'runs no more steps at once than its cap, and starts the waiting ones in creation order',
    async () => {
      const own = await kind.create();
      const capped = await startGateway({
        ...own.options,
        executor: { storageDir, maxProcesses: 1 },
      });
      try {
        const ws = uniqueWorkspace();
        const ledger = join(scratch, `ledger-${randomBytes(4).toString('hex')}`);
        const record = (name: string) =>
          `const fs = require('fs'); fs.appendFileSync(${JSON.stringify(ledger)}, 'start ${name}\\n');` +
          `setTimeout(() => fs.appendFileSync(${JSON.stringify(ledger)}, 'end ${name}\\n'), 300)`;
        const names = ['first', 'second', 'third', 'fourth'];
        for (const name of names)
          await create(ws, job(name, [{ command: [node, '-e', record(name)] }]), capped.url);
        for (const name of names) await untilStatus(ws, name, 'completed', capped.url);
        expect(readFileSync(ledger, 'utf8').trim().split('\n')).toEqual(
          names.flatMap((name) => [`start ${name}`, `end ${name}`]),
        );
      } finally {
        await capped.close();
        await own.drop();
      }
    },
    STARTS_GATEWAYS_MS,
  );

  it(
    'keeps a paused job across a restart of every gateway process, and resumes it from its checkpoint',
    async () => {
      const own = await kind.create();
      const ownStorage = join(scratch, `restart-${randomBytes(4).toString('hex')}`);
      const options = { ...own.options, executor: { storageDir: ownStorage } };
      let current = await startGateway(options);
      try {
        const ws = uniqueWorkspace();
        await create(
          ws,
          job('durable', [
            {
              command: [node, COUNTER],
              config: { count_to: 30, interval_ms: 50 },
              lifecycle: { pause_deadline_seconds: 30 },
            },
          ]),
          current.url,
        );
        await untilStatus(ws, 'durable', 'active', current.url);
        await eventually(
          () => messages(ws, 'durable', current.url),
          (lines) => lines.includes('3'),
        );
        await act(ws, 'durable', 'pause', current.url);
        await untilStatus(ws, 'durable', 'paused', current.url);

        for (let restart = 0; restart < 2; restart++) {
          await current.close();
          current = await startGateway(options);
          expect((await getJob(ws, 'durable', current.url)).status).toBe('paused');
        }

        await act(ws, 'durable', 'resume', current.url);
        await untilStatus(ws, 'durable', 'completed', current.url);
        const lines = await messages(ws, 'durable', current.url);
        expect(lines.some((line) => line.startsWith('resuming from checkpoint'))).toBe(true);
        const numbers = lines.filter((line) => /^\d+$/.test(line)).map(Number);
        expect(numbers).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      } finally {
        await current.close();
        await own.drop();
      }
    },
    STARTS_GATEWAYS_MS,
  );

  it.runIf(kind.name === 'postgres')(
    'pauses a step running on another gateway process, and resumes it on a process started later',
    async () => {
      const own = await kind.create();
      const ownStorage = join(scratch, `across-${randomBytes(4).toString('hex')}`);
      const runner = await startGateway({ ...own.options, executor: { storageDir: ownStorage } });
      // Takes requests only: it runs no steps.
      const front = await startGateway({ ...own.options, executor: false });
      let later: RunningGateway | undefined;
      let runnerClosed = false;
      try {
        const ws = uniqueWorkspace();
        await create(
          ws,
          job('across', [
            {
              command: [node, COUNTER],
              config: { count_to: 30, interval_ms: 50 },
              lifecycle: { pause_deadline_seconds: 30 },
            },
          ]),
          front.url,
        );
        await untilStatus(ws, 'across', 'active', front.url);
        await eventually(
          () => messages(ws, 'across', front.url),
          (lines) => lines.includes('3'),
        );
        await act(ws, 'across', 'pause', front.url);
        await untilStatus(ws, 'across', 'paused', front.url);

        // The process that ran it is gone; another one, started afterwards, takes the resume.
        await runner.close();
        runnerClosed = true;
        await act(ws, 'across', 'resume', front.url);
        later = await startGateway({ ...own.options, executor: { storageDir: ownStorage } });
        await untilStatus(ws, 'across', 'completed', front.url);
        const lines = await messages(ws, 'across', front.url);
        expect(lines.filter((line) => line.startsWith('resuming from checkpoint'))).toHaveLength(1);
        const numbers = lines.filter((line) => /^\d+$/.test(line)).map(Number);
        expect(numbers).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      } finally {
        await later?.close();
        await front.close();
        if (!runnerClosed) await runner.close();
        await own.drop();
      }
    },
    STARTS_GATEWAYS_MS,
  );
});
