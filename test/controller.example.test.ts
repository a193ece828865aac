/**
 * The example controller (examples/controller/controller.mjs) drives `cpu` steps through the REST
 * API alone: from created to completed, and through a pause by checkpoint and a resume that carries
 * on from the checkpoint. Its stand-in for the container is the example workload.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, useGateway } from './support/gateway.js';
import { root } from './support/process.js';
import { eventually } from './support/wait.js';

const counterJob = (name: string, countTo: number) => ({
  name,
  source: 'tests',
  spec: {},
  platform_spec: {
    steps: [
      {
        name: 'count',
        executor: {
          provider: 'cpu',
          container: {
            image: 'example/counter:1',
            entrypoint: [process.execPath],
            command: [join(root, 'examples/workload/count.mjs')],
          },
        },
        config: { count_to: countTo, interval_ms: 50 },
        lifecycle: { pause_deadline_seconds: 30 },
      },
    ],
  },
});

describe.each(databaseKinds)('the example controller on $name', (kind) => {
  // Container steps only: the built-in executor leaves them alone anyway.
  const suite = useGateway(kind, { executor: false });
  let controller: ChildProcess;
  let output = '';
  let storage: string;

  beforeAll(() => {
    storage = mkdtempSync(join(tmpdir(), 'controller-'));
    controller = spawn(process.execPath, [join(root, 'examples/controller/controller.mjs')], {
      env: { ...process.env, GATEWAY_URL: suite.base, POLL_MS: '100', CONTROLLER_STORAGE_DIR: storage },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    controller.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    controller.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
  afterAll(async () => {
    if (controller.exitCode === null) {
      const exited = new Promise((done) => controller.once('exit', done));
      controller.kill('SIGTERM');
      await exited;
    }
    rmSync(storage, { recursive: true, force: true });
  });

  const jobs = (ws: string) => `${JOBS}/workspaces/${ws}/jobs`;
  const untilStatus = (ws: string, name: string, status: string) =>
    eventually(
      async () => (await http(suite.base, 'GET', `${jobs(ws)}/${name}`)).body,
      (job) => job.status === status,
    );
  /** What the stand-in printed for one job, as the controller relays it. */
  const printed = (ws: string, name: string) =>
    output
      .split('\n')
      .filter((line) => line.startsWith(`[${ws}/${name}/count] `))
      .map((line) => line.slice(`[${ws}/${name}/count] `.length));
  const history = async (ws: string, name: string) => {
    const res = await gql(
      suite.base,
      `query($ws: String!, $name: String!) { job(workspace: $ws, name: $name) { events(first: 100) { nodes { status } } } }`,
      { ws, name },
    );
    return res.data.job.events.nodes.map((e: { status: string }) => e.status) as string[];
  };

  it('runs a cpu job from created to completed', async () => {
    const ws = uniqueWorkspace();
    expect((await http(suite.base, 'POST', jobs(ws), counterJob('short', 5))).status).toBe(201);
    await untilStatus(ws, 'short', 'completed');
    expect(await history(ws, 'short')).toEqual(['CREATED', 'ACTIVE', 'COMPLETED']);
    await eventually(
      async () => printed(ws, 'short'),
      (lines) => lines.includes('done'),
    );
    expect(printed(ws, 'short')).toEqual(['counting to 5', '1', '2', '3', '4', '5', 'done']);
  });

  it('pauses a cpu job by checkpoint and resumes it from the checkpoint', async () => {
    const ws = uniqueWorkspace();
    const created = await http(suite.base, 'POST', jobs(ws), counterJob('long', 40));
    expect(created.status).toBe(201);
    await untilStatus(ws, 'long', 'active');
    await eventually(
      async () => printed(ws, 'long'),
      (lines) => lines.includes('3'),
    );
    expect((await http(suite.base, 'POST', `${jobs(ws)}/long/pause`, {})).body.status).toBe('pausing');
    await untilStatus(ws, 'long', 'paused');
    const checkpoint = join(storage, created.body.id, 'persistent', 'checkpoint.json');
    expect(existsSync(checkpoint)).toBe(true);
    const { next } = JSON.parse(readFileSync(checkpoint, 'utf8'));

    expect((await http(suite.base, 'POST', `${jobs(ws)}/long/resume`, {})).body.status).toBe('resuming');
    await untilStatus(ws, 'long', 'completed');
    await eventually(
      async () => printed(ws, 'long'),
      (lines) => lines.includes('done'),
    );
    const lines = printed(ws, 'long');
    expect(lines).toContain(`resuming from checkpoint: next is ${next}`);
    const numbers = lines.filter((line) => /^\d+$/.test(line)).map(Number);
    expect(numbers).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await history(ws, 'long')).toEqual([
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
});
