/** Probes and the index: no auth, no job touched; readiness says what is wrong when it is not ready. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { databaseKinds, type TestDatabase } from './support/databases.js';
import { http, startGateway, useGateway, type RunningGateway } from './support/gateway.js';
import { probeRoutes } from '../src/ops/probes.js';
import { eventually } from './support/wait.js';

const READY = { status: 'ready', checks: { database: 'ok', migrations: 'ok', feed: 'ok' } };

describe.each(databaseKinds)('probes on $name', (kind) => {
  const suite = useGateway(kind);

  it.each(['/healthz', '/livez'])('%s answers 200 {"status":"ok"}, uncached', async (path) => {
    const res = await http(suite.base, 'GET', path);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('/readyz answers 200 with every check ok', async () => {
    const res = await http(suite.base, 'GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(READY);
  });

  it('a probe path takes no other method', async () => {
    const res = await http(suite.base, 'POST', '/healthz', {});
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Not Found' });
  });

  it('GET / lists GraphQL, GraphiQL, REST, docs and OpenAPI, and the documents it links answer', async () => {
    const res = await http(suite.base, 'GET', '/');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      name: 'Jobs gateway',
      links: {
        graphql: '/graphql',
        graphiql: '/graphql',
        rest: '/apis/jobs/v2',
        docs: '/docs',
        openapi: '/openapi.json',
      },
    });
    const { links } = res.body;
    expect((await http(suite.base, 'GET', links.graphiql, undefined, { accept: 'text/html' })).status).toBe(
      200,
    );
    expect((await http(suite.base, 'POST', links.graphql, { query: '{ __typename }' })).body).toEqual({
      data: { __typename: 'Query' },
    });
    expect((await http(suite.base, 'GET', links.docs)).status).toBe(200);
    expect((await http(suite.base, 'GET', links.openapi)).body.openapi).toMatch(/^3\.1/);
    expect((await http(suite.base, 'GET', `${links.rest}/workspaces/default/jobs`)).status).toBe(200);
  });

  it('GET / is a page of the same links for a browser', async () => {
    const res = await http(suite.base, 'GET', '/', undefined, {
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    for (const path of ['/graphql', '/apis/jobs/v2', '/docs', '/openapi.json']) {
      expect(res.text).toContain(`href="${path}"`);
    }
    expect(res.headers.get('vary')).toMatch(/accept/i);
  });
});

describe.each(databaseKinds)('readiness on $name when something is wrong', (kind) => {
  let database: TestDatabase;
  let server: RunningGateway;
  beforeAll(async () => {
    database = await kind.create();
    server = await startGateway(database.options);
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('names what is wrong: first a stopped event feed, then a database that cannot be reached', async () => {
    await server.gateway.feed.stop();
    const stopped = await http(server.url, 'GET', '/readyz');
    expect(stopped.status).toBe(503);
    expect(stopped.body).toEqual({
      status: 'unavailable',
      checks: { database: 'ok', migrations: 'ok', feed: 'stopped' },
    });

    if (kind.name === 'postgres') await database.drop();
    else await server.gateway.database.close();
    const unreachable = await http(server.url, 'GET', '/readyz');
    expect(unreachable.status).toBe(503);
    expect(unreachable.body.status).toBe('unavailable');
    expect(unreachable.body.checks.database).toMatch(kind.name === 'postgres' ? /does not exist/ : /closed/);
    expect(unreachable.body.checks.migrations).not.toBe('ok');
    expect(unreachable.text).not.toMatch(/select|__drizzle_migrations|pg_stat_activity/i);

    // Alive all the same: restarting the process would not bring the database back.
    expect((await http(server.url, 'GET', '/livez')).status).toBe(200);
  });
});

const postgresOnly = databaseKinds.filter((k) => k.name === 'postgres');

describe.skipIf(postgresOnly.length === 0).each(postgresOnly)(
  'readiness on $name after a reconnect',
  (kind) => {
    const suite = useGateway(kind);

    it('is ready again once its listening connection, killed, is back', async () => {
      expect((await http(suite.base, 'GET', '/readyz')).body).toEqual(READY);
      const name = new URL(suite.database.options.databaseUrl!).pathname.slice(1);
      const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
      const listeners = () =>
        admin<{ pid: number }[]>`
          select pid from pg_stat_activity where datname = ${name} and query ilike 'listen %'`;
      try {
        const [killed] = await listeners();
        await admin`select pg_terminate_backend(${killed.pid})`;

        // The backend ends a moment after it is told to, and the gateway notices only then: until
        // it does, /readyz may still say ready. So the wait is for a new listening connection.
        const back = await eventually(
          async () => ({
            pids: (await listeners()).map((row) => row.pid),
            readiness: (await http(suite.base, 'GET', '/readyz')).body,
          }),
          ({ pids, readiness }) =>
            pids.length === 1 && pids[0] !== killed.pid && readiness.status === 'ready',
          { timeoutMs: 15_000, intervalMs: 100 },
        );
        expect(back.readiness).toEqual(READY);
      } finally {
        await admin.end();
      }
    });
  },
);

describe('/readyz with a check that does not answer', () => {
  const TIMEOUT_MS = 300;

  /** The probes on a real HTTP server, with one check whose attempt number `n` hangs when `hangs(n)`. */
  async function serveProbes(hangs: (attempt: number) => boolean) {
    const counted = { attempts: 0 };
    const check = () => (hangs(++counted.attempts) ? new Promise<void>(() => {}) : Promise.resolve());
    const listener = getRequestListener(probeRoutes({ query: check }, TIMEOUT_MS).fetch);
    const server = createServer((req, res) => void listener(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counted };
  }

  it('says so once, and the next probe after the deadline tries afresh', async () => {
    // The first attempt never answers, as a query sent on a connection that went silent.
    const { base, counted } = await serveProbes((attempt) => attempt === 1);
    const stuck = await http(base, 'GET', '/readyz');
    expect(stuck.status).toBe(503);
    expect(stuck.body).toEqual({
      status: 'unavailable',
      checks: { query: `no answer within ${TIMEOUT_MS} ms` },
    });

    const next = await http(base, 'GET', '/readyz');
    expect(next.status).toBe(200);
    expect(next.body).toEqual({ status: 'ready', checks: { query: 'ok' } });
    expect(counted.attempts).toBe(2);
  });

  it('while it hangs, probes arriving together share one attempt', async () => {
    const { base, counted } = await serveProbes(() => true);
    const answers = await Promise.all(Array.from({ length: 20 }, () => http(base, 'GET', '/readyz')));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(503));
    expect(counted.attempts).toBe(1);
  });
});
