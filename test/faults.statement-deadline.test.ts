/**
 * A statement that waits too long: a job's row held by another session (an operator's open
 * transaction, a stuck client). The gateway gives up on an answer after its reply deadline and says
 * 503; the change it asked for must then never happen, not commit later once the row is free, so
 * that a client told "failed" can trust it and retry.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, type TestDatabase } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, startGateway, type RunningGateway } from './support/gateway.js';

// PostgreSQL only (PGlite runs one statement at a time in-process: nothing can hold a row).
const postgresKind = databaseKinds.find((k) => k.name === 'postgres');

/** The reply deadline, shortened for the test (15 s by default). */
const REPLY_TIMEOUT_SECONDS = 2;

describe.skipIf(!postgresKind)('a statement that waits past the reply deadline, on postgres', () => {
  let database: TestDatabase;
  let suite: RunningGateway;
  let operator: postgres.Sql;
  const workspace = uniqueWorkspace('held');
  const jobs = `${JOBS}/workspaces/${workspace}/jobs`;

  beforeAll(async () => {
    database = await postgresKind!.create();
    suite = await startGateway({
      databaseUrl: database.options.databaseUrl!,
      replyTimeoutSeconds: REPLY_TIMEOUT_SECONDS,
    });
    operator = postgres(database.options.databaseUrl!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await operator?.end();
    await suite?.close();
    await database?.drop();
  });

  /** Runs `work` while another session holds the job's row locked. */
  async function whileHeld<T>(name: string, work: () => Promise<T>): Promise<T> {
    const session = await operator.reserve();
    try {
      await session`begin`;
      await session`select 1 from jobs where workspace = ${workspace} and name = ${name} for update`;
      return await work();
    } finally {
      await session`rollback`;
      session.release();
    }
  }

  const pausingEvents = async (name: string) =>
    (
      await operator`select count(*)::int as n from job_status_events
        where workspace = ${workspace} and job_name = ${name} and status = 'pausing'`
    )[0].n as number;

  it('answers 503, and the pause it gave up on never happens', async () => {
    expect((await http(suite.url, 'POST', jobs, jobWithSteps('held'))).status).toBe(201);

    const started = Date.now();
    const answer = await whileHeld('held', () => http(suite.url, 'POST', `${jobs}/held/pause`, {}));
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ detail: 'The database is unavailable; retry shortly.' });
    expect(answer.headers.get('retry-after')).toBe('2');
    expect(Date.now() - started).toBeLessThan(REPLY_TIMEOUT_SECONDS * 1000 + 1000);

    // The row is free again. A pause still waiting in the database would now go through.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await http(suite.url, 'GET', `${jobs}/held`)).body).toMatchObject({ status: 'created' });
    expect(await pausingEvents('held')).toBe(0);

    // The client retries, as the 503 invited it to.
    const retried = await http(suite.url, 'POST', `${jobs}/held/pause`, {});
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'pausing' });
    expect(await pausingEvents('held')).toBe(1);
  });

  it('answers SERVICE_UNAVAILABLE over GraphQL, and the pause never happens', async () => {
    expect((await http(suite.url, 'POST', jobs, jobWithSteps('held-graphql'))).status).toBe(201);
    const result = await whileHeld('held-graphql', () =>
      gql(
        suite.url,
        `mutation ($w: String!) { pauseJob(workspace: $w, name: "held-graphql") { __typename } }`,
        {
          w: workspace,
        },
      ),
    );
    expect(result.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE' }) }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await pausingEvents('held-graphql')).toBe(0);
  });
});
