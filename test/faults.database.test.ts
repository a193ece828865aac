/**
 * The database is a dependency that fails. A gateway process runs while its PostgreSQL is stopped
 * and started again, and while its connections are killed, under clients walking jobs round the
 * lifecycle and a watcher subscribed over graphql-ws: requests during the outage get a clear 503,
 * service comes back by itself, the watcher misses no acknowledged change, and the process lives.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, onTestFinished } from 'vitest';
import { databaseKinds, type TestDatabase } from './support/databases.js';
import { gql, http } from './support/gateway.js';
import { findPgBinaries, freePort, startPgCluster, type PgCluster } from './support/pg-cluster.js';
import { runGatewayProcess, startGatewayProcess, type GatewayProcess } from './support/process.js';
import { Changes, eventually } from './support/wait.js';
import { startWalkers } from './support/walkers.js';

const binaries = findPgBinaries();
const skipReason = 'missing' in binaries ? ` (skipped: ${binaries.missing})` : '';
if (skipReason) console.warn(`faults.database.test.ts: PostgreSQL stop/start test skipped: ${skipReason}`);

/** What the gateway process printed that says something escaped every handler. */
const CRASH_SIGNS = /Uncaught|unhandledRejection|outside any request|Unhandled error in REST handler/;

describe.skipIf('missing' in binaries)(`PostgreSQL stopped and restarted under load${skipReason}`, () => {
  let cluster: PgCluster;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    if (!('bin' in binaries)) return;
    cluster = await startPgCluster(binaries.bin);
    gateway = await startGatewayProcess({ DATABASE_URL: cluster.url });
  }, 120_000);
  afterAll(async () => {
    await gateway?.stop();
    await cluster?.destroy();
  });

  it('answers 503 during each outage, serves again after it, and the watcher misses nothing', async () => {
    const load = await startWalkers(gateway.url);
    onTestFinished(() => load.stop());
    onTestFailed(() => console.error(`The gateway process printed:\n${gateway.output}`));
    const outages = 3;
    const recoveries: number[] = [];
    for (let round = 0; round < outages; round++) {
      await new Promise((r) => setTimeout(r, 1500));
      await cluster.stop();

      // Everything that needs the database says so; the probes tell liveness from readiness.
      const rest = await http(gateway.url, 'GET', '/apis/jobs/v2/workspaces/default/jobs');
      expect(rest.status).toBe(503);
      expect(rest.body).toEqual({ detail: 'The database is unavailable; retry shortly.' });
      expect(rest.headers.get('retry-after')).toMatch(/^\d+$/);
      const graphql = await http(gateway.url, 'POST', '/graphql', {
        query: '{ jobs(workspace: "default") { totalCount } }',
      });
      expect(graphql.status).toBe(503);
      expect(graphql.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(graphql.body.errors).toEqual([
        expect.objectContaining({
          message: 'The database is unavailable; retry shortly.',
          extensions: { code: 'SERVICE_UNAVAILABLE' },
        }),
      ]);
      expect((await http(gateway.url, 'GET', '/healthz')).status).toBe(200);
      const ready = await http(gateway.url, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.text).not.toContain('127.0.0.1');
      await new Promise((r) => setTimeout(r, 2000));

      await cluster.start();
      const back = Date.now();
      await eventually(
        () => http(gateway.url, 'GET', '/apis/jobs/v2/workspaces/default/jobs'),
        (res) => res.status === 200,
        { timeoutMs: 15_000 },
      );
      recoveries.push(Date.now() - back);
      await eventually(
        () => http(gateway.url, 'GET', '/readyz'),
        (res) => res.status === 200,
        { timeoutMs: 15_000 },
      );
    }
    await new Promise((r) => setTimeout(r, 1500));
    const { changesMissing, delivered } = await load.finish();

    const figures = { outages, ...load.figures, recoveriesMs: recoveries, delivered, changesMissing };
    console.log(`PostgreSQL stopped and started: ${JSON.stringify(figures)}`);
    expect(changesMissing).toBe(0);
    expect(load.figures.unavailable).toBeGreaterThan(0);
    expect(load.figures.acknowledged).toBeGreaterThan(0);
    expect(load.figures.other[500]).toBeUndefined();
    expect(gateway.child.exitCode).toBeNull();
    expect(gateway.output).not.toMatch(CRASH_SIGNS);
    // The operator reads why each door answered 503; the clients were told only to retry.
    expect(gateway.output).toMatch(/REST request without the database \(\S+\)/);
    expect(gateway.output).toMatch(/GraphQL operation without the database \(\S+\)/);
  }, 180_000);

  it('a gateway started before its database waits for it, then starts', async () => {
    await cluster.stop();
    const waiting = new Changes();
    let printed = '';
    const starting = startGatewayProcess(
      { DATABASE_URL: cluster.url },
      { onOutput: (output) => ((printed = output), waiting.notify()) },
    );
    try {
      await waiting.until(
        () => (/Waiting for the database/.test(printed) ? true : undefined),
        60_000,
        () => printed,
      );
      await cluster.start();
    } finally {
      const second = await starting;
      await second.stop();
      expect(second.output).toMatch(/Waiting for the database \(ECONNREFUSED\): \d+ s so far, up to 60 s\./);
      expect(second.output).toMatch(/Database is up after \d+ s; migrations applied\./);
    }
    // The first process rode the outage out too.
    expect((await http(gateway.url, 'GET', '/readyz')).status).toBe(200);
  }, 120_000);
});

describe('a database that never comes up', () => {
  it('stops start-up after DATABASE_STARTUP_TIMEOUT_SECONDS with one line saying so', async () => {
    const nobody = `postgres://postgres@127.0.0.1:${await freePort()}/jobs`;
    const run = await runGatewayProcess({ DATABASE_URL: nobody, DATABASE_STARTUP_TIMEOUT_SECONDS: '2' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Waiting for the database \(ECONNREFUSED\)/);
    expect(run.stderr).toMatch(
      /The database is unavailable \(ECONNREFUSED\) and did not come up within 2 s; DATABASE_STARTUP_TIMEOUT_SECONDS sets how long to wait\./,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

const postgresOnly = databaseKinds.filter((k) => k.name === 'postgres');

describe.skipIf(postgresOnly.length === 0).each(postgresOnly)('connections killed on $name', (kind) => {
  let database: TestDatabase;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    database = await kind.create();
    gateway = await startGatewayProcess({ DATABASE_URL: database.options.databaseUrl! });
  });
  afterAll(async () => {
    await gateway?.stop();
    await database?.drop();
  });

  it('survives its listener, lease and pool connections terminated at random moments', async () => {
    const load = await startWalkers(gateway.url);
    onTestFinished(() => load.stop());
    onTestFailed(() => console.error(`The gateway process printed:\n${gateway.output}`));
    const name = new URL(database.options.databaseUrl!).pathname.slice(1);
    const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    let killed = 0;
    const kinds = new Set<string>();
    try {
      for (let round = 0; round < 40; round++) {
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 150));
        // One of the gateway's connections at random: in a query, idle, listening or holding the lease.
        const rows = await admin<{ pid: number; query: string }[]>`
          select pid, query from pg_stat_activity
          where datname = ${name} and pid <> pg_backend_pid() order by random() limit 1`;
        const [victim] = rows;
        if (!victim) continue;
        const [result] = await admin<{ ok: boolean }[]>`select pg_terminate_backend(${victim.pid}) as ok`;
        if (result?.ok) {
          killed++;
          kinds.add(
            /^listen/i.test(victim.query)
              ? 'listener'
              : /advisory_lock/.test(victim.query)
                ? 'lease'
                : 'pool',
          );
        }
      }
      // The listener and the lease session for certain, whatever the draw left out.
      for (const pattern of ['listen %', '%pg_try_advisory_lock%']) {
        const rows = await admin`
          select pg_terminate_backend(pid) as ok from pg_stat_activity
          where datname = ${name} and pid <> pg_backend_pid() and query ilike ${pattern}`;
        killed += rows.length;
      }
    } finally {
      await admin.end();
    }
    await eventually(
      () => http(gateway.url, 'GET', '/readyz'),
      (res) => res.status === 200,
      { timeoutMs: 15_000 },
    );
    await new Promise((r) => setTimeout(r, 1000));
    const { changesMissing, delivered } = await load.finish();

    console.log(
      `Connections terminated: ${JSON.stringify({ killed, kinds: [...kinds], ...load.figures, delivered, changesMissing })}`,
    );
    expect(killed).toBeGreaterThan(10);
    expect(changesMissing).toBe(0);
    expect(load.figures.other[500]).toBeUndefined();
    expect(gateway.child.exitCode).toBeNull();
    expect(gateway.output).not.toMatch(CRASH_SIGNS);
    // The lease was lost with its connection and taken again.
    await gateway.printed(/Process lease \d+ taken again/, 10_000);
    const again = await gql(gateway.url, '{ jobs(workspace: "default") { totalCount } }');
    expect(again.errors).toBeUndefined();
  }, 120_000);
});
