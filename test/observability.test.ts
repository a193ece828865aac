/**
 * Logs, request ids and metrics, as an operator reads them: JSON lines that parse, one access line
 * per request carrying the id the client sent (or was given), a client's mistake never logged as an
 * error, an internal error logged once with its stack and the id the client saw, and `/metrics`
 * counting what happened.
 */
import { request as httpRequest } from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger.js';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { JOBS, gql, http, subscribe, useGateway, wsClient } from './support/gateway.js';
import { runGatewayProcess, startGatewayProcess, PROCESS_TEST_MS } from './support/process.js';
import { openEventStream } from './support/sse.js';
import { eventually } from './support/wait.js';

type LogLine = Record<string, any>;

/** A JSON logger whose lines a test can read: every line must parse. */
function capturedLogs() {
  const lines: LogLine[] = [];
  const logger = createLogger({
    format: 'json',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  return { logger, lines, of: (requestId: string) => lines.filter((line) => line.requestId === requestId) };
}

/** One sample of a metric from the Prometheus text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

const metricsOf = async (base: string) => (await http(base, 'GET', '/metrics')).text;

/** The raw response, without fetch's transparent decompression: what went over the wire. */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown>; bytes: number }>(
    (resolve, reject) => {
      const req = httpRequest(url, { headers }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

/** A job whose status column holds a value no code knows: acting on it fails inside the gateway. */
async function corruptJob(base: string, database: { db: any }, workspace: string, name: string) {
  expect((await http(base, 'POST', `${JOBS}/workspaces/${workspace}/jobs`, jobWithSteps(name))).status).toBe(
    201,
  );
  await database.db.execute(
    sql`update jobs set status = 'exploded' where workspace = ${workspace} and name = ${name}`,
  );
}

describe.each(databaseKinds)('logs on $name', (kind) => {
  const logs = capturedLogs();
  const suite = useGateway(kind, { logger: logs.logger, executor: false });

  it('echoes a plain x-request-id and logs one access line with it, method, route template, status and duration', async () => {
    const workspace = uniqueWorkspace();
    const res = await http(suite.base, 'GET', `${JOBS}/workspaces/${workspace}/jobs?page_size=5`, undefined, {
      'x-request-id': 'client-id.42',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('client-id.42');
    const access = await eventually(
      async () => logs.of('client-id.42').filter((line) => line.route),
      (lines) => lines.length > 0,
    );
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      level: 'info',
      requestId: 'client-id.42',
      method: 'GET',
      route: '/apis/jobs/v2/workspaces/{workspace}/jobs',
      status: 200,
    });
    expect(access[0].durationMs).toBeGreaterThanOrEqual(0);
    expect(access[0].msg).toMatch(new RegExp(`^GET ${JOBS}/workspaces/${workspace}/jobs 200 `));
  });

  it('replaces a request id that is too long or has unsafe characters with one of its own', async () => {
    for (const bad of ['x'.repeat(129), 'two words', '<script>']) {
      const res = await http(suite.base, 'GET', '/healthz', undefined, { 'x-request-id': bad });
      const given = res.headers.get('x-request-id')!;
      expect(given).not.toBe(bad);
      expect(given).toMatch(/^[0-9a-f-]{36}$/);
    }
    const made = (await http(suite.base, 'GET', '/healthz')).headers.get('x-request-id');
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    // Probes are logged, at debug level only.
    const probe = await eventually(
      async () => logs.of(made!),
      (lines) => lines.length > 0,
    );
    expect(probe).toEqual([expect.objectContaining({ level: 'debug', route: '/healthz', status: 200 })]);
  });

  it('logs a GraphQL request with its operation name', async () => {
    const res = await http(
      suite.base,
      'POST',
      '/graphql',
      { query: 'query Pulse { __typename }' },
      {
        'x-request-id': 'gql-pulse',
      },
    );
    expect(res.status).toBe(200);
    const [line] = await eventually(
      async () => logs.of('gql-pulse').filter((found) => found.route),
      (lines) => lines.length > 0,
    );
    expect(line).toMatchObject({ route: '/graphql', operation: 'Pulse', status: 200, level: 'info' });
  });

  it('a client mistake (404, 409, 422) is an access line, never an error with a stack', async () => {
    const workspace = uniqueWorkspace();
    const calls: [string, string, unknown][] = [
      ['GET', `${JOBS}/workspaces/${workspace}/jobs/missing`, undefined],
      ['POST', `${JOBS}/workspaces/${workspace}/jobs`, { name: 'Not A Name' }],
      ['GET', '/no/such/path', undefined],
    ];
    for (const [index, [method, path, body]] of calls.entries()) {
      const id = `mistake-${index}`;
      const res = await http(suite.base, method, path, body, { 'x-request-id': id });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const lines = await eventually(
        async () => logs.of(id),
        (found) => found.length > 0,
      );
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'info', status: res.status });
      expect(lines[0].err).toBeUndefined();
    }
    expect(logs.lines.filter((line) => /^mistake-/.test(line.requestId) && line.level === 'error')).toEqual(
      [],
    );
  });

  it('an internal error is a 500 naming the request id; the log has it once, at error level, with the stack', async () => {
    const workspace = uniqueWorkspace();
    await corruptJob(suite.base, suite.server.gateway.database, workspace, 'broken');
    const res = await http(suite.base, 'POST', `${JOBS}/workspaces/${workspace}/jobs/broken/pause`, {});
    expect(res.status).toBe(500);
    const requestId = res.headers.get('x-request-id')!;
    expect(res.body).toEqual({ detail: 'Internal Server Error', request_id: requestId });
    expect(res.text).not.toMatch(/at .*\.[jt]s:\d+|select|update/i);

    const lines = await eventually(
      async () => logs.of(requestId),
      (found) => found.some((line) => line.route),
    );
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].err.stack).toMatch(/\n\s+at /);
    expect(lines.find((line) => line.route)).toMatchObject({
      route: '/apis/jobs/v2/workspaces/{workspace}/jobs/{name}/pause',
      status: 500,
    });
  });

  // A plain JSON POST is answered on the lean path; one that accepts the GraphQL response type, by Yoga.
  it.each([
    ['application/json', 'gql-broken'],
    ['application/graphql-response+json', 'gql-broken-yoga'],
  ])(
    'a masked GraphQL error (accepting %s) carries the request id; the log has its stack under the same id',
    async (accept, requestId) => {
      const workspace = uniqueWorkspace();
      await corruptJob(suite.base, suite.server.gateway.database, workspace, 'broken-too');
      const res = await http(
        suite.base,
        'POST',
        '/graphql',
        {
          query: 'query Broken($w: String!) { job(workspace: $w, name: "broken-too") { allowedActions } }',
          variables: { w: workspace },
        },
        { 'x-request-id': requestId, accept },
      );
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          message: 'Unexpected error.',
          extensions: expect.objectContaining({ requestId }),
        }),
      ]);
      expect(res.text).not.toMatch(/at .*\.[jt]s:\d+/);
      const lines = await eventually(
        async () => logs.of(requestId),
        (found) => found.some((line) => line.route),
      );
      expect(lines.find((line) => line.route)).toMatchObject({ operation: 'Broken' });
      const errors = lines.filter((line) => line.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].err.stack).toMatch(/\n\s+at /);
    },
  );
  it('over graphql-ws too: the masked error has an id, and the log line with the stack has the same', async () => {
    const workspace = uniqueWorkspace();
    await corruptJob(suite.base, suite.server.gateway.database, workspace, 'broken-ws');
    const client = wsClient(suite.base);
    try {
      const operation = subscribe(
        client,
        'query BrokenWs($w: String!) { job(workspace: $w, name: "broken-ws") { allowedActions } }',
        { w: workspace },
      );
      await operation.until(() => operation.completed);
      expect(operation.errors).toEqual([
        expect.objectContaining({
          message: 'Unexpected error.',
          extensions: expect.objectContaining({ requestId: expect.any(String) }),
        }),
      ]);
      const requestId = (operation.errors[0] as { extensions: { requestId: string } }).extensions.requestId;
      const errors = logs.of(requestId).filter((line) => line.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].err.stack).toMatch(/\n\s+at /);
    } finally {
      await client.dispose();
    }
  });
});

describe.each(databaseKinds)('metrics on $name', (kind) => {
  const suite = useGateway(kind);

  it('exposes process, HTTP, GraphQL, subscription, status, feed, executor and database families', async () => {
    const workspace = uniqueWorkspace();
    await http(suite.base, 'POST', `${JOBS}/workspaces/${workspace}/jobs`, jobWithSteps('counted'));
    await http(suite.base, 'GET', `${JOBS}/workspaces/${workspace}/jobs/counted`);
    await http(suite.base, 'GET', `/no/such/${workspace}`);
    await gql(suite.base, 'query Counted { __typename }');

    const res = await http(suite.base, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    for (const family of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'http_request_duration_seconds',
      'graphql_envelop_request',
      'graphql_envelop_request_duration',
      'gateway_subscriptions_open',
      'jobs_status_changes_total',
      'event_feed_lag_seconds',
      'executor_steps_running',
    ]) {
      expect(text).toContain(`# TYPE ${family} `);
    }
    expect(
      sample(text, 'http_request_duration_seconds_count', {
        method: 'GET',
        route: '/apis/jobs/v2/workspaces/{workspace}/jobs/{name}',
        status_code: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    // The raw path never becomes a label.
    expect(text).not.toContain(workspace);
    expect(
      sample(text, 'http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'graphql_envelop_request', { operationName: 'Counted' })).toBe(1);
    // The descriptors are counted (sockets among them) without walking every handle per scrape.
    if (process.platform === 'linux') expect(sample(text, 'process_open_fds')).toBeGreaterThan(3);
    expect(text).not.toContain('nodejs_active_handles');
    for (const transport of ['graphql-ws', 'graphql-sse', 'rest-sse']) {
      expect(sample(text, 'gateway_subscriptions_open', { transport })).toBe(0);
    }
    if (kind.name === 'postgres') {
      expect(sample(text, 'db_pool_max_connections')).toBe(10);
      expect(sample(text, 'db_connections', { state: 'idle' })).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'db_connections', { state: 'active' })).toBeGreaterThanOrEqual(0);
    }
  });

  it('counts a pause after the pause', async () => {
    const workspace = uniqueWorkspace();
    const pausing = async () =>
      sample(await metricsOf(suite.base), 'jobs_status_changes_total', { status: 'pausing' }) ?? 0;
    const before = await pausing();
    await http(suite.base, 'POST', `${JOBS}/workspaces/${workspace}/jobs`, jobWithSteps('paused-one'));
    const res = await http(suite.base, 'POST', `${JOBS}/workspaces/${workspace}/jobs/paused-one/pause`, {});
    expect(res.body.status).toBe('pausing');
    await eventually(pausing, (count) => count === before + 1);
    const lag = await metricsOf(suite.base);
    expect(sample(lag, 'event_feed_lag_seconds_count')).toBeGreaterThanOrEqual(1);
  });

  it('counts open subscriptions by transport while they are open, and not after', async () => {
    const workspace = uniqueWorkspace();
    await http(suite.base, 'POST', `${JOBS}/workspaces/${workspace}/jobs`, jobWithSteps('watched'));
    const open = async () => {
      const text = await metricsOf(suite.base);
      return ['graphql-ws', 'graphql-sse', 'rest-sse'].map(
        (transport) => sample(text, 'gateway_subscriptions_open', { transport }) ?? -1,
      );
    };
    const query = `subscription Watch($workspace: String!, $name: String!) {
      jobStatus(workspace: $workspace, name: $name) { status }
    }`;
    const variables = { workspace, name: 'watched' };
    const client = wsClient(suite.base);
    const overWs = subscribe(client, query, variables);
    const overRest = await openEventStream(
      `${suite.base}${JOBS}/workspaces/${workspace}/jobs/watched/events`,
    );
    const overSse = await openEventStream(`${suite.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query, variables }),
    });
    try {
      await overWs.until(() => overWs.received.length === 1);
      await overRest.until((s) => s.events.length === 1);
      await overSse.until((s) => s.events.some((e) => e.event === 'next'));
      expect(await open()).toEqual([1, 1, 1]);
    } finally {
      overWs.dispose();
      overRest.close();
      overSse.close();
      await client.dispose();
    }
    await eventually(open, (counts) => counts.every((count) => count === 0));
  });

  it('counts the steps the built-in executor runs', async () => {
    const workspace = uniqueWorkspace();
    const running = async () => sample(await metricsOf(suite.base), 'executor_steps_running');
    expect(await running()).toBe(0);
    await http(suite.base, 'POST', `${JOBS}/workspaces/${workspace}/jobs`, {
      name: 'sleeper',
      source: 'tests',
      spec: {},
      platform_spec: {
        steps: [
          {
            name: 'sleep',
            executor: {
              provider: 'subprocess',
              command: [process.execPath, '-e', 'setTimeout(() => {}, 60000)'],
            },
          },
        ],
      },
    });
    await eventually(running, (count) => count === 1);
    await http(suite.base, 'POST', `${JOBS}/workspaces/${workspace}/jobs/sleeper/cancel`, {});
    await eventually(running, (count) => count === 0);
  });
});

describe.each(databaseKinds)('compression and CORS on $name', (kind) => {
  const plain = useGateway(kind, { executor: false });
  const withCors = useGateway(kind, { executor: false, corsOrigins: ['https://app.example.com'] });

  it("compresses GraphiQL's page when the client accepts gzip or br, and not otherwise", async () => {
    const page = { accept: 'text/html' };
    const gzip = await rawGet(`${plain.base}/graphql`, { ...page, 'accept-encoding': 'gzip' });
    const br = await rawGet(`${plain.base}/graphql`, { ...page, 'accept-encoding': 'br' });
    const none = await rawGet(`${plain.base}/graphql`, page);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(gzip.headers.vary).toMatch(/accept-encoding/i);
    expect(gzip.bytes).toBeLessThan(none.bytes / 2);
    expect(br.bytes).toBeLessThan(none.bytes / 2);
  });

  it('leaves small answers and event streams uncompressed', async () => {
    const small = await rawGet(`${plain.base}/healthz`, { 'accept-encoding': 'gzip' });
    expect(small.headers['content-encoding']).toBeUndefined();

    const workspace = uniqueWorkspace();
    await http(plain.base, 'POST', `${JOBS}/workspaces/${workspace}/jobs`, jobWithSteps('streamed'));
    const stream = await openEventStream(
      `${plain.base}${JOBS}/workspaces/${workspace}/jobs/streamed/events`,
      {
        headers: { 'accept-encoding': 'gzip, br' },
      },
    );
    try {
      // The first event arrives while the stream stays open: nothing holds it back.
      await stream.until((s) => s.events.length === 1);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.headers.get('content-encoding')).toBeNull();
    } finally {
      stream.close();
    }
  });

  it('without CORS_ORIGINS adds no CORS header anywhere, /graphql included', async () => {
    const origin = { origin: 'https://app.example.com' };
    const preflight = await http(plain.base, 'OPTIONS', `${JOBS}/workspaces/default/jobs`, undefined, {
      ...origin,
      'access-control-request-method': 'POST',
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
    const graphqlPreflight = await http(plain.base, 'OPTIONS', '/graphql', undefined, {
      ...origin,
      'access-control-request-method': 'POST',
    });
    expect(graphqlPreflight.headers.get('access-control-allow-origin')).toBeNull();
    const graphql = await http(plain.base, 'POST', '/graphql', { query: '{ __typename }' }, origin);
    expect(graphql.status).toBe(200);
    expect(graphql.headers.get('access-control-allow-origin')).toBeNull();
    expect(graphql.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('with CORS_ORIGINS answers preflights for REST and /graphql from a listed origin, and refuses others', async () => {
    for (const path of [`${JOBS}/workspaces/default/jobs`, '/graphql']) {
      const allowed = await http(withCors.base, 'OPTIONS', path, undefined, {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      });
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
      expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type, authorization');
      expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
      expect(allowed.headers.get('vary')).toMatch(/origin/i);

      const refused = await http(withCors.base, 'OPTIONS', path, undefined, {
        origin: 'https://evil.example.com',
        'access-control-request-method': 'POST',
      });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('with CORS_ORIGINS lets a listed origin read REST and GraphQL answers, and the request id', async () => {
    const rest = await http(withCors.base, 'GET', `${JOBS}/workspaces/default/jobs`, undefined, {
      origin: 'https://app.example.com',
    });
    expect(rest.status).toBe(200);
    expect(rest.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(rest.headers.get('access-control-expose-headers')).toContain('x-request-id');
    const graphql = await http(
      withCors.base,
      'POST',
      '/graphql',
      { query: '{ __typename }' },
      {
        origin: 'https://app.example.com',
      },
    );
    expect(graphql.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await http(
      withCors.base,
      'POST',
      '/graphql',
      { query: '{ __typename }' },
      {
        origin: 'https://evil.example.com',
      },
    );
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('a gateway process with LOG_FORMAT=json', () => {
  let gateway: Awaited<ReturnType<typeof startGatewayProcess>>;
  beforeAll(async () => {
    gateway = await startGatewayProcess({ DATA_DIR: 'memory://', LOG_FORMAT: 'json', LOG_LEVEL: 'INFO' });
  }, PROCESS_TEST_MS);
  afterAll(() => gateway?.stop());

  it('prints only JSON lines: the start line, then an access line per request with its id', async () => {
    const res = await http(gateway.url, 'GET', `${JOBS}/workspaces/default/jobs`, undefined, {
      'x-request-id': 'from-the-client',
    });
    expect(res.headers.get('x-request-id')).toBe('from-the-client');
    await http(gateway.url, 'GET', '/readyz');
    await gateway.printed(/from-the-client/);
    const lines = gateway.output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LogLine);
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: expect.stringMatching(/^Jobs gateway on http:\/\//),
    });
    expect(lines.find((line) => line.requestId === 'from-the-client')).toMatchObject({
      level: 'info',
      method: 'GET',
      route: '/apis/jobs/v2/workspaces/{workspace}/jobs',
      status: 200,
    });
    // LOG_LEVEL=INFO: the probe's debug line is not printed.
    expect(lines.some((line) => line.route === '/readyz')).toBe(false);
  });

  it('a bad LOG_FORMAT, LOG_LEVEL or CORS_ORIGINS stops start-up with one line naming it', async () => {
    for (const [variable, value] of [
      ['LOG_FORMAT', 'xml'],
      ['LOG_LEVEL', 'loud'],
      ['CORS_ORIGINS', 'https://app.example.com/path'],
    ] as const) {
      const result = await runGatewayProcess({ DATA_DIR: 'memory://', [variable]: value });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`^Invalid ${variable}=${JSON.stringify(value).replace(/[./]/g, '\\$&')}: [^\\n]+\\n$`),
      );
    }
  });
});
