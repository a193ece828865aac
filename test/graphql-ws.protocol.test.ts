/**
 * The graphql-transport-ws protocol as a raw WebSocket peer sees it: every close code the
 * protocol defines, ping/pong, the payload bound, keep-alive, and the per-connection bound.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import {
  attachGraphQLWebSocket,
  WS_MAX_PAYLOAD_BYTES,
  type GraphQLWebSocketOptions,
} from '../src/graphql/ws.js';
import { createGraphQLServer } from '../src/graphql/yoga.js';
import type { Gateway } from '../src/server.js';
import { databaseKinds } from './support/databases.js';
import { uniqueWorkspace } from './support/fixtures.js';
import { useGateway } from './support/gateway.js';
import { createJobIn } from './support/lifecycle.js';
import { Changes } from './support/wait.js';

const PROTOCOL = 'graphql-transport-ws';
const JOB_STATUS = `subscription Status($workspace: String!, $name: String!) {
  jobStatus(workspace: $workspace, name: $name) { status cursor }
}`;

interface Peer {
  socket: WebSocket;
  messages: any[];
  pings: number;
  send(message: unknown): void;
  /** Resolves with the first message (already received or not) matching `predicate`. */
  message(predicate: (message: any) => boolean, timeoutMs?: number): Promise<any>;
  closed(timeoutMs?: number): Promise<{ code: number; reason: string }>;
  until(condition: () => boolean, timeoutMs?: number): Promise<true>;
}

/** A raw WebSocket to `/graphql`; `protocols` empty offers no subprotocol at all. */
async function connect(
  base: string,
  protocols: string[] = [PROTOCOL],
  options: WebSocket.ClientOptions = {},
) {
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/graphql`, protocols, options);
  const messages: any[] = [];
  let close: { code: number; reason: string } | undefined;
  const changes = new Changes();
  const peer: Peer = {
    socket,
    messages,
    pings: 0,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    message: (predicate, timeoutMs = 5000) =>
      changes.until(
        () => {
          const found = messages.find(predicate);
          if (found === undefined && close)
            throw new Error(`closed ${JSON.stringify(close)} after ${JSON.stringify(messages)}`);
          return found;
        },
        timeoutMs,
        () => `no matching message in ${JSON.stringify(messages)}`,
      ),
    closed: (timeoutMs = 5000) =>
      changes.until(
        () => close,
        timeoutMs,
        () => 'the socket stayed open',
      ),
    until: (condition, timeoutMs = 5000) =>
      changes.until(
        () => condition() || undefined,
        timeoutMs,
        () => 'condition never held',
      ),
  };
  socket.on('message', (data) => {
    messages.push(JSON.parse((data as Buffer).toString('utf8')));
    changes.notify();
  });
  socket.on('ping', () => {
    peer.pings++;
    changes.notify();
  });
  socket.on('close', (code, reason) => {
    close = { code, reason: reason.toString() };
    changes.notify();
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return peer;
}

/** connection_init, then the ack. */
async function acknowledged(base: string, options?: WebSocket.ClientOptions) {
  const peer = await connect(base, [PROTOCOL], options);
  peer.send({ type: 'connection_init' });
  await peer.message((m) => m.type === 'connection_ack');
  return peer;
}

/** The gateway's own GraphQL, database and feed behind a WebSocket server tuned for a test. */
async function tunedServer(gateway: Gateway, options: GraphQLWebSocketOptions) {
  const deps = {
    jobs: gateway.jobs,
    feed: gateway.feed,
    logWakeups: gateway.logWakeups,
    access: gateway.access,
    tasks: gateway.tasks,
    results: gateway.results,
  };
  const yoga = createGraphQLServer(deps);
  const server: Server = createServer((req, res) => void yoga(req, res));
  const ws = attachGraphQLWebSocket(server, deps, options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.each(databaseKinds)('graphql-ws protocol on $name', (kind) => {
  const suite = useGateway(kind);
  let tuned: Awaited<ReturnType<typeof tunedServer>>;
  const workspace = uniqueWorkspace('ws-protocol');

  beforeAll(async () => {
    tuned = await tunedServer(suite.server.gateway, {
      connectionInitWaitTimeoutMs: 300,
      keepAliveMs: 200,
      maxOperationsPerConnection: 2,
    });
    await createJobIn(suite.base, workspace, 'watched');
  });
  afterAll(async () => {
    await tuned?.close();
  });

  const watch = (id: string) => ({
    id,
    type: 'subscribe',
    payload: { query: JOB_STATUS, variables: { workspace, name: 'watched' } },
  });

  it('closes with 4400 on a message that is not JSON', async () => {
    const peer = await connect(suite.base);
    peer.send('{not json');
    expect(await peer.closed()).toEqual({ code: 4400, reason: 'Invalid message received' });
  });

  it('closes with 4400 on a message of an unknown type', async () => {
    const peer = await connect(suite.base);
    peer.send({ type: 'hello' });
    expect(await peer.closed()).toEqual({ code: 4400, reason: 'Invalid message received' });
  });

  it('closes with 4401 on a subscribe before the connection is acknowledged', async () => {
    const peer = await connect(suite.base);
    peer.send(watch('1'));
    expect(await peer.closed()).toEqual({ code: 4401, reason: 'Unauthorized' });
  });

  it('closes with 4406 when the graphql-transport-ws subprotocol is not offered', async () => {
    const peer = await connect(suite.base, []);
    expect(await peer.closed()).toEqual({ code: 4406, reason: 'Subprotocol not acceptable' });
  });

  it('closes with 4408 when no connection_init arrives in time', async () => {
    const peer = await connect(tuned.url);
    expect(await peer.closed()).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
  });

  it('closes with 4409 when a subscribe reuses the id of a running subscription', async () => {
    const peer = await acknowledged(suite.base);
    peer.send(watch('1'));
    const first = await peer.message((m) => m.type === 'next' && m.id === '1');
    expect(first.payload.data.jobStatus.status).toBe('CREATED');

    peer.send(watch('1'));
    expect(await peer.closed()).toEqual({ code: 4409, reason: 'Subscriber for 1 already exists' });
  });

  it('closes with 4429 on a second connection_init', async () => {
    const peer = await acknowledged(suite.base);
    peer.send({ type: 'connection_init' });
    expect(await peer.closed()).toEqual({ code: 4429, reason: 'Too many initialisation requests' });
  });

  it('answers a ping with a pong, echoing its payload, before and after the ack', async () => {
    const peer = await connect(suite.base);
    peer.send({ type: 'ping' });
    expect(await peer.message((m) => m.type === 'pong')).toEqual({ type: 'pong' });
    peer.send({ type: 'connection_init' });
    await peer.message((m) => m.type === 'connection_ack');
    peer.send({ type: 'ping', payload: { n: 2 } });
    expect(await peer.message((m) => m.type === 'pong' && m.payload)).toEqual({
      type: 'pong',
      payload: { n: 2 },
    });
    peer.socket.close();
  });

  it(`closes with 1009 on a message larger than ${WS_MAX_PAYLOAD_BYTES} bytes, logging nothing`, async () => {
    const logged = vi.spyOn(console, 'error');
    try {
      const peer = await acknowledged(suite.base);
      peer.send({ type: 'ping', payload: { padding: 'x'.repeat(WS_MAX_PAYLOAD_BYTES) } });
      expect((await peer.closed()).code).toBe(1009);
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });

  it('answers a syntax error with an error for that operation, keeping the connection', async () => {
    const peer = await acknowledged(suite.base);
    peer.send({ id: 'bad', type: 'subscribe', payload: { query: 'subscription {' } });
    const error = await peer.message((m) => m.id === 'bad');
    expect(error.type).toBe('error');
    expect(error.payload[0].message).toMatch(/^Syntax Error/);
    peer.send({ type: 'ping' });
    await peer.message((m) => m.type === 'pong');
    peer.socket.close();
  });

  it('refuses an operation over the per-connection bound with an error for its id, and takes it once one completes', async () => {
    const peer = await acknowledged(tuned.url);
    peer.send(watch('1'));
    peer.send(watch('2'));
    await peer.message((m) => m.type === 'next' && m.id === '1');
    await peer.message((m) => m.type === 'next' && m.id === '2');

    peer.send(watch('3'));
    const refused = await peer.message((m) => m.id === '3');
    expect(refused).toEqual({
      id: '3',
      type: 'error',
      payload: [
        {
          message: 'Too many operations on this connection: at most 2 may run at once.',
          extensions: { code: 'TOO_MANY_OPERATIONS' },
        },
      ],
    });

    peer.send({ id: '1', type: 'complete' });
    peer.send(watch('4'));
    const accepted = await peer.message((m) => m.id === '4');
    expect(accepted.type).toBe('next');
    expect(accepted.payload.data.jobStatus.status).toBe('CREATED');
    peer.socket.close();
  });

  // An idle job's stream is parked in next(); leaving must still release it at once.
  it('a closed socket releases its jobStatus subscription in the feed', async () => {
    await createJobIn(suite.base, workspace, 'idle');
    // Earlier tests' sockets are released by now: every subscription of this server is gone.
    await expect.poll(() => suite.server.gateway.feed.subscriberCount, { timeout: 2000 }).toBe(0);
    const before = 0;
    const peer = await acknowledged(suite.base);
    peer.send({
      id: '1',
      type: 'subscribe',
      payload: { query: JOB_STATUS, variables: { workspace, name: 'idle' } },
    });
    await peer.message((m) => m.type === 'next' && m.id === '1');
    expect(suite.server.gateway.feed.subscriberCount).toBe(before + 1);
    peer.socket.close();
    await peer.closed();
    await expect.poll(() => suite.server.gateway.feed.subscriberCount, { timeout: 2000 }).toBe(before);
  });

  it('a closed socket releases its jobEvents subscription in the feed', async () => {
    const before = suite.server.gateway.feed.subscriberCount;
    const peer = await acknowledged(suite.base);
    peer.send({
      id: '1',
      type: 'subscribe',
      payload: {
        query: 'subscription($w: String!) { jobEvents(workspace: $w) { status } }',
        variables: { w: workspace },
      },
    });
    await expect.poll(() => suite.server.gateway.feed.subscriberCount, { timeout: 5000 }).toBe(before + 1);
    peer.socket.close();
    await expect.poll(() => suite.server.gateway.feed.subscriberCount, { timeout: 5000 }).toBe(before);
  });

  it('pings every peer and terminates one that never pongs', async () => {
    const answering = await acknowledged(tuned.url);
    await answering.until(() => answering.pings > 0);
    const silent = await acknowledged(tuned.url, { autoPong: false });
    expect((await silent.closed()).code).toBe(1006);
    expect(answering.socket.readyState).toBe(WebSocket.OPEN);
    answering.socket.close();
  });
});
