/**
 * A gateway process that dies (SIGKILL) does not leave its steps looking alive forever, nor any
 * change half-written, nor a change it acknowledged missing from what watchers elsewhere receive.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { databaseKinds, type TestDatabase } from './support/databases.js';
import { uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, startGateway, type RunningGateway } from './support/gateway.js';
import { startGatewayProcess, type GatewayProcess } from './support/process.js';
import { eventually } from './support/wait.js';
import { startWalkers } from './support/walkers.js';

const postgresOnly = databaseKinds.filter((k) => k.name === 'postgres');

/** A one-step job whose process sleeps; `marker` lets the test find it if its gateway cannot. */
const sleepingJob = (name: string, marker: string) => ({
  name,
  source: 'tests',
  spec: {},
  platform_spec: {
    steps: [
      {
        name: 'sleep',
        executor: {
          provider: 'subprocess',
          command: [process.execPath, '-e', `setTimeout(() => {}, 30000) // ${marker}`],
        },
      },
    ],
  },
});

describe.skipIf(postgresOnly.length === 0).each(postgresOnly)('a gateway dying mid-step on $name', (kind) => {
  // Marks the step's process so the test can clean up what the killed gateway left running.
  const marker = `orphan-${randomBytes(4).toString('hex')}`;
  let database: TestDatabase;
  let doomed: GatewayProcess;
  let survivor: RunningGateway | undefined;

  beforeAll(async () => {
    database = await kind.create();
    doomed = await startGatewayProcess({ DATABASE_URL: database.options.databaseUrl! });
  });
  afterAll(async () => {
    await doomed?.stop();
    await survivor?.close();
    try {
      execFileSync('pkill', ['-f', marker]);
    } catch {
      // Nothing left to clean up.
    }
    await database?.drop();
  });

  it('its running step ends in error once the process is gone, and not before', async () => {
    const ws = uniqueWorkspace();
    const job = `${JOBS}/workspaces/${ws}/jobs/long-running`;
    const created = await http(
      doomed.url,
      'POST',
      `${JOBS}/workspaces/${ws}/jobs`,
      sleepingJob('long-running', marker),
    );
    expect(created.status).toBe(201);
    const running = await eventually(
      () => http(doomed.url, 'GET', job),
      (res) => res.body.status === 'active',
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(running.body.status).toBe('active');

    // Another gateway on the same database, looking for orphans often.
    survivor = await startGateway({ ...database.options, executor: { orphanSweepMs: 100 } });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await http(survivor.url, 'GET', job)).body.status).toBe('active');

    doomed.child.kill('SIGKILL');
    const settled = await eventually(
      () => http(survivor!.url, 'GET', job),
      (res) => res.body.status !== 'active',
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(settled.body.status).toBe('error');
    expect(settled.body.error_details.message).toMatch(/stopped unexpectedly/);
    const tree = await http(survivor.url, 'GET', `${job}/status`);
    expect(tree.body.steps.map((s: { status: string }) => s.status)).toEqual(['error']);
  });
});

describe.skipIf(postgresOnly.length === 0).each(postgresOnly)(
  'a gateway killed mid-transition on $name',
  (kind) => {
    let database: TestDatabase;
    let doomed: GatewayProcess;
    let survivor: RunningGateway;

    beforeAll(async () => {
      database = await kind.create();
      doomed = await startGatewayProcess({ DATABASE_URL: database.options.databaseUrl! });
      survivor = await startGateway(database.options);
    });
    afterAll(async () => {
      await doomed?.stop();
      await survivor?.close();
      await database?.drop();
    });

    it('every change it acknowledged reaches the watcher on the other process, none half-written', async () => {
      // Clients walk jobs through the doomed process (and on to the survivor once it is gone); the
      // watcher is on the survivor.
      const load = await startWalkers([doomed.url, survivor.url], { watch: survivor.url });
      onTestFinished(() => load.stop());
      await eventually(
        async () => load.figures.acknowledged,
        (n) => n >= 40,
      );
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      const atKill = load.figures.acknowledged;
      await eventually(
        async () => load.figures.acknowledged,
        (n) => n >= atKill + 40,
      );
      const { changesMissing, delivered } = await load.finish();

      console.log(
        `Gateway killed mid-transition: ${JSON.stringify({ ...load.figures, delivered, changesMissing })}`,
      );
      expect(load.figures.unreachable).toBeGreaterThan(0);
      expect(changesMissing).toBe(0);
      expect(load.figures.other[500]).toBeUndefined();
    });
  },
);

describe('a gateway dying mid-step on pglite', () => {
  const marker = `orphan-${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'jobs-gateway-crash-'));
  let crashing: GatewayProcess;
  let restarted: RunningGateway | undefined;

  beforeAll(async () => {
    crashing = await startGatewayProcess({ DATA_DIR: dataDir });
  });
  afterAll(async () => {
    await crashing?.stop();
    await restarted?.close();
    try {
      execFileSync('pkill', ['-f', marker]);
    } catch {
      // Nothing left to clean up.
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the step it ran ends in error when the gateway starts again on the same data', async () => {
    const ws = uniqueWorkspace();
    const job = `${JOBS}/workspaces/${ws}/jobs/interrupted`;
    await http(crashing.url, 'POST', `${JOBS}/workspaces/${ws}/jobs`, sleepingJob('interrupted', marker));
    await eventually(
      () => http(crashing.url, 'GET', job),
      (res) => res.body.status === 'active',
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    crashing.child.kill('SIGKILL');
    await crashing.stop();

    restarted = await startGateway({ dataDir });
    const settled = await eventually(
      () => http(restarted!.url, 'GET', job),
      (res) => res.body.status !== 'active',
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(settled.body.status).toBe('error');
    expect(settled.body.error_details.message).toMatch(/stopped unexpectedly/);
  });
});
