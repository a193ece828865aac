/**
 * A gateway process stops cleanly on SIGTERM: the request in flight completes, WebSocket
 * subscribers are told the server is going away (1001), event streams end, and it exits 0; a
 * second signal exits at once. `npm start` runs it so that the signal reaches it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, type TestDatabase } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, subscribe, wsClient } from './support/gateway.js';
import {
  processGone,
  root,
  startGatewayProcess,
  type GatewayProcess,
  PROCESS_TEST_MS,
} from './support/process.js';
import { openEventStream } from './support/sse.js';

const JOB_STATUS = `subscription Status($workspace: String!, $name: String!) {
  jobStatus(workspace: $workspace, name: $name) { status cursor }
}`;

/**
 * A request whose headers the server has taken (it answered `100 Continue`) and whose body is
 * still to come: in flight for as long as the test likes.
 */
async function requestInFlight(base: string, method: string, path: string, body: string) {
  const req: ClientRequest = request(`${base}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      expect: '100-continue',
    },
  });
  req.flushHeaders();
  await new Promise<void>((resolve, reject) => {
    req.once('continue', resolve);
    req.once('error', reject);
  });
  return {
    /** Sends the body; resolves with the status and parsed JSON of the answer. */
    async finish() {
      const response = new Promise<IncomingMessage>((resolve, reject) => {
        req.once('response', resolve);
        req.once('error', reject);
      });
      req.end(body);
      const res = await response;
      let text = '';
      for await (const chunk of res) text += chunk;
      return { status: res.statusCode, body: JSON.parse(text) };
    },
    abort() {
      req.on('error', () => {});
      req.destroy();
    },
  };
}

function gatewayEnv(database: TestDatabase): Record<string, string> {
  return database.options.databaseUrl
    ? { DATABASE_URL: database.options.databaseUrl }
    : { DATA_DIR: database.options.dataDir! };
}

describe.each(databaseKinds)('stopping a gateway process on $name', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await kind.create();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it(
    'on SIGTERM the request in flight completes, subscribers get 1001, streams end, and it exits 0',
    async () => {
      const gateway = await startGatewayProcess(gatewayEnv(database));
      const ws = uniqueWorkspace();
      const jobs = `${JOBS}/workspaces/${ws}/jobs`;
      try {
        expect((await http(gateway.url, 'POST', jobs, jobWithSteps('watched'))).status).toBe(201);

        let closeCode: number | undefined;
        const client = wsClient(gateway.url, {
          on: { closed: (event) => (closeCode = (event as { code: number }).code) },
        });
        const subscription = subscribe(client, JOB_STATUS, { workspace: ws, name: 'watched' });
        const restStream = await openEventStream(`${gateway.url}${jobs}/watched/events`);
        const graphqlStream = await openEventStream(`${gateway.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: JOB_STATUS, variables: { workspace: ws, name: 'watched' } }),
        });
        await subscription.until(() => subscription.received.length === 1);
        await restStream.until((s) => s.events.length === 1);
        await graphqlStream.until((s) => s.events.some((e) => e.event === 'next'));
        const inFlight = await requestInFlight(
          gateway.url,
          'POST',
          jobs,
          JSON.stringify(jobWithSteps('in-flight')),
        );

        gateway.child.kill('SIGTERM');
        await gateway.printed(/SIGTERM: stopping/);
        const created = await inFlight.finish();
        expect(created.status).toBe(201);
        expect(created.body.name).toBe('in-flight');

        await subscription.until(() => closeCode !== undefined);
        expect(closeCode).toBe(1001);
        await restStream.until((s) => s.ended);
        await graphqlStream.until((s) => s.ended);
        expect(await gateway.exited).toBe(0);
        expect(gateway.output).toMatch(/Stopped\.\n$/);
        expect(gateway.output).not.toMatch(/Error|at .*\.js:\d+/);
      } finally {
        await gateway.stop();
      }

      // What the request in flight wrote is there after a restart.
      const again = await startGatewayProcess(gatewayEnv(database));
      try {
        expect((await http(again.url, 'GET', `${jobs}/in-flight`)).status).toBe(200);
      } finally {
        await again.stop();
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    'a second SIGTERM exits at once, without waiting for requests in flight',
    async () => {
      const gateway = await startGatewayProcess(gatewayEnv(database));
      const body = JSON.stringify(jobWithSteps('never-finished'));
      const inFlight = await requestInFlight(
        gateway.url,
        'POST',
        `${JOBS}/workspaces/${uniqueWorkspace()}/jobs`,
        body,
      );
      try {
        gateway.child.kill('SIGTERM');
        await gateway.printed(/SIGTERM: stopping/);
        gateway.child.kill('SIGTERM');
        expect(await gateway.exited).toBe(128 + 15);
        expect(gateway.output).toMatch(/SIGTERM again: exiting now\.\n$/);
      } finally {
        inFlight.abort();
        await gateway.stop();
      }
    },
    PROCESS_TEST_MS,
  );
});

/** Every process below `pid`, with its command line. */
function descendants(pid: number): { pid: number; command: string }[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line)!)
    .map(([, child, parent, command]) => ({ pid: Number(child), parent: Number(parent), command }));
  const below = (of: number): { pid: number; command: string }[] =>
    table
      .filter((p) => p.parent === of)
      .flatMap((p) => [{ pid: p.pid, command: p.command }, ...below(p.pid)]);
  return below(pid);
}

describe('npm start', () => {
  // A checkout of its own without dist/, so `npm start` builds as on a fresh clone and does not
  // rebuild the dist/ the other suites' processes run from.
  const checkout = mkdtempSync(join(tmpdir(), 'jobs-gateway-checkout-'));
  let gateway: GatewayProcess | undefined;
  beforeAll(() => {
    for (const path of ['package.json', 'tsconfig.json', 'src', 'drizzle']) {
      cpSync(join(root, path), join(checkout, path), { recursive: true });
    }
    symlinkSync(join(root, 'node_modules'), join(checkout, 'node_modules'));
  });
  afterAll(async () => {
    await gateway?.stop();
    rmSync(checkout, { recursive: true, force: true });
  });

  it(
    'builds, runs the server as its own child so SIGTERM reaches it, and leaves nothing behind',
    async () => {
      gateway = await startGatewayProcess(
        { DATA_DIR: join(checkout, '.data') },
        { command: ['npm', 'start'], cwd: checkout },
      );
      const tree = descendants(gateway.child.pid!);
      // The shell npm starts the script in replaced itself with node: npm's child is the server.
      expect(tree.map((p) => p.command)).toEqual(['node dist/main.js']);

      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
      expect(gateway.output).toMatch(/SIGTERM: stopping/);
      expect(gateway.output).toMatch(/Stopped\./);
      for (const { pid } of tree) expect(processGone(pid)).toBe(true);
    },
    PROCESS_TEST_MS,
  );
});
