/**
 * The database's host gone without a word: the network drops everything silently, so the gateway's
 * established connections stay open and no answer ever comes. Requests must still answer 503 in
 * bounded time, readiness must say so, and service must come back by itself once the network does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, type TestDatabase } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, startGateway, type RunningGateway } from './support/gateway.js';
import { startSilentNetwork, type SilentNetwork } from './support/silent-network.js';
import { eventually } from './support/wait.js';

// PostgreSQL only (there is no network between the gateway and PGlite). Skipped without it, not
// left out: a file with no suite fails the run.
const postgres = databaseKinds.find((k) => k.name === 'postgres');

/** How long a connection may owe an answer in silence, shortened for the test (15 s by default). */
const REPLY_TIMEOUT_SECONDS = 1;

describe.skipIf(!postgres)('a gateway whose database network drops everything silently, on postgres', () => {
  const kind = postgres!;
  let database: TestDatabase;
  let network: SilentNetwork;
  let suite: RunningGateway;
  const workspace = uniqueWorkspace('silent');
  const job = `${JOBS}/workspaces/${workspace}/jobs/quiet`;

  beforeAll(async () => {
    database = await kind.create();
    network = await startSilentNetwork(database.options.databaseUrl!);
    suite = await startGateway({ databaseUrl: network.url, replyTimeoutSeconds: REPLY_TIMEOUT_SECONDS });
  });
  afterAll(async () => {
    network?.restore();
    await suite?.close();
    await network?.close();
    await database?.drop();
  });

  /** The answer to GET `path` once it has `status`, within 10 s. */
  const once = (path: string, status: number) =>
    eventually(
      () => http(suite.url, 'GET', path),
      (res) => res.status === status,
      { timeoutMs: 10_000, intervalMs: 200 },
    );

  it('answers 503 while the network is silent, and serves again once it is back', async () => {
    expect(
      (await http(suite.url, 'POST', `${JOBS}/workspaces/${workspace}/jobs`, jobWithSteps('quiet'))).status,
    ).toBe(201);
    expect((await http(suite.url, 'GET', job)).status).toBe(200);

    network.silence();
    // Every request, whichever pooled connection it is given (one that owes an answer, a new
    // one that never finishes connecting), gets the documented 503 instead of waiting.
    const answers = await Promise.all([1, 2, 3].map(() => http(suite.url, 'GET', job)));
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({ detail: 'The database is unavailable; retry shortly.' });
      expect(answer.headers.get('retry-after')).toBe('2');
    }
    const unready = await http(suite.url, 'GET', '/readyz');
    expect(unready.status).toBe(503);

    network.restore();
    expect((await once(job, 200)).body).toMatchObject({ name: 'quiet', status: 'created' });
    expect((await once('/readyz', 200)).status).toBe(200);
  });
});
