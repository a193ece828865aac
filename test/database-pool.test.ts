/**
 * DATABASE_POOL_SIZE: an operator running several gateway processes on one PostgreSQL sizes each
 * process's pool so that all of them fit the server's `max_connections`. However many requests
 * wait, a process opens no more pool connections than that.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/env.js';
import { databaseKinds, type TestDatabase } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, startGateway, type RunningGateway } from './support/gateway.js';
import { eventually } from './support/wait.js';

// PostgreSQL only: PGlite has no pool.
const postgresKind = databaseKinds.find((k) => k.name === 'postgres');

const POOL_SIZE = 2;

describe('DATABASE_POOL_SIZE', () => {
  it('is 10 unless set, and a whole number of at least 1', () => {
    expect(loadConfig({}).DATABASE_POOL_SIZE).toBe(10);
    expect(loadConfig({ DATABASE_POOL_SIZE: '4' }).DATABASE_POOL_SIZE).toBe(4);
    for (const value of ['0', '2.5', 'many']) {
      expect(() => loadConfig({ DATABASE_POOL_SIZE: value })).toThrow(ConfigError);
      expect(() => loadConfig({ DATABASE_POOL_SIZE: value })).toThrow(/^Invalid DATABASE_POOL_SIZE=/);
    }
  });
});

describe.skipIf(!postgresKind)('a pool of DATABASE_POOL_SIZE connections, on postgres', () => {
  let database: TestDatabase;
  let suite: RunningGateway;
  /** An operator's session, to hold a job's row, and another to look at the server's connections. */
  let operator: postgres.Sql;
  let observer: postgres.Sql;
  const workspace = uniqueWorkspace('pool');
  const jobs = `${JOBS}/workspaces/${workspace}/jobs`;

  beforeAll(async () => {
    database = await postgresKind!.create();
    suite = await startGateway({ databaseUrl: database.options.databaseUrl!, poolSize: POOL_SIZE });
    operator = postgres(database.options.databaseUrl!, { max: 1, onnotice: () => {} });
    observer = postgres(database.options.databaseUrl!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await Promise.all([operator?.end(), observer?.end()]);
    await suite?.close();
    await database?.drop();
  });

  /** The pool's connections as the server sees them: the listening and lease connections are not named so. */
  const poolConnections = async () =>
    (
      await observer`select count(*)::int as open,
          (count(*) filter (where wait_event_type = 'Lock'))::int as waiting
        from pg_stat_activity
        where datname = current_database() and application_name like 'jobs-gateway %'`
    )[0] as { open: number; waiting: number };

  it('opens no more connections than it is given, and serves every request waiting for one', async () => {
    expect((await http(suite.url, 'POST', jobs, jobWithSteps('held'))).status).toBe(201);
    expect((await http(suite.url, 'POST', jobs, jobWithSteps('free'))).status).toBe(201);

    // Another session holds the job's row: every pause of it waits in the database, holding its connection.
    const session = await operator.reserve();
    let answers: Promise<{ status: number; body: any }[]>;
    try {
      await session`begin`;
      await session`select 1 from jobs where workspace = ${workspace} and name = 'held' for update`;
      answers = Promise.all([
        ...Array.from({ length: 6 }, () => http(suite.url, 'POST', `${jobs}/held/pause`, {})),
        http(suite.url, 'GET', `${jobs}/free`),
      ]);
      const seen = await eventually(poolConnections, (use) => use.waiting === POOL_SIZE);
      expect(seen.open).toBe(POOL_SIZE);
    } finally {
      await session`rollback`;
      session.release();
    }

    const [first, ...rest] = await answers;
    expect(first.status).toBe(200);
    for (const answer of rest.slice(0, -1))
      expect(answer).toMatchObject({ status: 200, body: { status: 'pausing' } });
    expect(rest.at(-1)).toMatchObject({ status: 200, body: { name: 'free', status: 'created' } });
    const [events] = await observer`select count(*)::int as n from job_status_events
      where workspace = ${workspace} and job_name = 'held' and status = 'pausing'`;
    expect(events.n).toBe(1);
    expect((await poolConnections()).open).toBeLessThanOrEqual(POOL_SIZE);

    const metrics = (await http(suite.url, 'GET', '/metrics')).text;
    expect(metrics).toMatch(new RegExp(`^db_pool_max_connections ${POOL_SIZE}$`, 'm'));
  });
});
