/**
 * The README's pause-and-resume walkthrough, as a user runs it: the built gateway (`node
 * dist/main.js`) configured from the environment (JOB_STORAGE_DIR, EXECUTOR_MAX_PROCESSES), the
 * example workload, a graphql-ws watcher, a pause, a restart of the gateway, a resume, and the count
 * finishing from where it stopped.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseKinds, type TestDatabase } from './support/databases.js';
import { uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, subscribe, wsClient } from './support/gateway.js';
import { root, startGatewayProcess, type GatewayProcess } from './support/process.js';
import { eventually } from './support/wait.js';

const JOB_STATUS = `subscription ($workspace: String!, $name: String!) {
  jobStatus(workspace: $workspace, name: $name) { status }
}`;

describe.each(databaseKinds)('the pause-and-resume walkthrough on $name', (kind) => {
  const scratch = mkdtempSync(join(tmpdir(), 'walkthrough-'));
  const storage = join(scratch, 'job-storage');
  let database: TestDatabase | undefined;
  let gateway: GatewayProcess | undefined;

  afterAll(async () => {
    await gateway?.stop();
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('counts, pauses by checkpoint, survives a gateway restart, and finishes from where it stopped', async () => {
    database = await kind.create();
    const env = {
      ...(database.options.databaseUrl
        ? { DATABASE_URL: database.options.databaseUrl }
        : { DATA_DIR: database.options.dataDir! }),
      JOB_STORAGE_DIR: storage,
      EXECUTOR_MAX_PROCESSES: '2',
    };
    gateway = await startGatewayProcess(env);
    const ws = uniqueWorkspace();
    const job = `${JOBS}/workspaces/${ws}/jobs/count-to-30`;
    const created = await http(gateway.url, 'POST', `${JOBS}/workspaces/${ws}/jobs`, {
      name: 'count-to-30',
      source: 'readme',
      spec: {},
      platform_spec: {
        steps: [
          {
            name: 'count',
            executor: {
              provider: 'subprocess',
              command: ['node', join(root, 'examples/workload/count.mjs')],
            },
            config: { count_to: 30, interval_ms: 100 },
            lifecycle: { pause_deadline_seconds: 30 },
          },
        ],
      },
    });
    expect(created.status, created.text).toBe(201);

    const client = wsClient(gateway.url);
    const watcher = subscribe<{ jobStatus: { status: string } }>(client, JOB_STATUS, {
      workspace: ws,
      name: 'count-to-30',
    });
    const seen = () => watcher.received.map((r) => r.jobStatus.status);
    await watcher.until(() => seen().includes('ACTIVE'), 20_000);
    await eventually(
      () => http(gateway!.url, 'GET', `${job}/logs`),
      (res) => res.body.data.some((line: { message: string }) => line.message === '3'),
    );

    expect((await http(gateway.url, 'POST', `${job}/pause`, {})).body.status).toBe('pausing');
    await watcher.until(() => seen().includes('PAUSED'), 20_000);
    // The first is the state when the watcher started (created or already active).
    expect(seen().slice(-3)).toEqual(['ACTIVE', 'PAUSING', 'PAUSED']);
    // The checkpoint is in the job's storage, under JOB_STORAGE_DIR.
    expect(readdirSync(join(storage, created.body.id, 'persistent'))).toEqual(['checkpoint.json']);
    await client.dispose();

    await gateway.stop();
    gateway = await startGatewayProcess(env);
    expect((await http(gateway.url, 'GET', job)).body.status).toBe('paused');

    expect((await http(gateway.url, 'POST', `${job}/resume`, {})).body.status).toBe('resuming');
    await eventually(
      () => http(gateway!.url, 'GET', job),
      (res) => res.body.status === 'completed',
      { timeoutMs: 30_000 },
    );
    const lines = (await http(gateway.url, 'GET', `${job}/logs?limit=100`)).body.data.map(
      (line: { message: string }) => line.message,
    ) as string[];
    const saved = lines.find((line) => line.startsWith('checkpoint saved: next is '));
    const next = Number(saved?.split(' ').pop());
    expect(lines).toContain(`resuming from checkpoint: next is ${next}`);
    const numbers = lines.filter((line) => /^\d+$/.test(line)).map(Number);
    expect(numbers).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(lines.at(-1)).toBe('done');
  }, 180_000);
});
