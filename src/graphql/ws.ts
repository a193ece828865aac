/**
 * graphql-ws (the `graphql-transport-ws` subprotocol) on the same port and path as HTTP, with
 * its limits. The protocol's own close codes come from graphql-ws:
 *   4400 invalid message · 4401 subscribe before connection_ack · 4406 wrong subprotocol ·
 *   4408 no connection_init in time · 4409 an operation id already in use ·
 *   4429 a second connection_init · 1009 a message larger than WS_MAX_PAYLOAD_BYTES (ws).
 */
import type { Server } from 'node:http';
import { GraphQLError, parse, validate, type DocumentNode, type ExecutionResult } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { createContext, type GraphQLDeps } from './context.js';
import { maskGraphQLError } from './error-mask.js';
import { parseOptions, validationRules } from './limits.js';
import { schema } from './schema/index.js';

export const WS_MAX_PAYLOAD_BYTES = 64 * 1024;
export const GRAPHQL_PATH = '/graphql';

export interface GraphQLWebSocketOptions {
  /** A socket that sends no `connection_init` within this time is closed with 4408 (ms). */
  connectionInitWaitTimeoutMs?: number;
  /** A ws ping frame goes to every peer this often; one that has not ponged a keep-alive later is terminated (ms). */
  keepAliveMs?: number;
  /** Operations (subscriptions, and queries or mutations still running) one connection may hold at once. */
  maxOperationsPerConnection?: number;
}

export const defaultGraphQLWebSocketOptions: Required<GraphQLWebSocketOptions> = {
  connectionInitWaitTimeoutMs: 3_000,
  keepAliveMs: 12_000,
  maxOperationsPerConnection: 100,
};

/** Parsed and validated operations by their text: ten thousand watchers send the same few. */
class OperationCache {
  private readonly entries = new Map<string, { document?: DocumentNode; errors: readonly GraphQLError[] }>();
  constructor(private readonly max = 1000) {}

  get(query: string) {
    let entry = this.entries.get(query);
    if (!entry) {
      try {
        const document = parse(query, parseOptions);
        entry = { document, errors: validate(schema, document, validationRules) };
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        entry = { errors: [error] };
      }
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(query, entry);
    }
    return entry;
  }
}

/** As on HTTP: an error the schema did not mean to show becomes "Unexpected error." (or SERVICE_UNAVAILABLE). */
function masked(result: ExecutionResult): ExecutionResult {
  if (!result.errors) return result;
  return {
    ...result,
    errors: result.errors.map((error) => {
      const shown = maskGraphQLError(error) as GraphQLError;
      if (shown !== error && shown.extensions.code !== 'SERVICE_UNAVAILABLE')
        console.error('Unexpected error in a GraphQL operation over WebSocket:', error);
      return shown;
    }),
  };
}

/** ws emits these when the peer breaks the WebSocket protocol (e.g. 1009); ws has already closed the socket with the right code. */
const isPeerProtocolError = (error: Error) => {
  const { code } = error as { code?: unknown };
  return typeof code === 'string' && code.startsWith('WS_ERR_');
};

/**
 * Operations go straight to graphql-js, not through Yoga's plugin chain: each plugin wraps every
 * subscription's iterator, which cost about 5 KB per idle watcher. What those plugins did here
 * (parse and validation caches, document limits, error masking) is done below.
 */
export function attachGraphQLWebSocket(
  server: Server,
  deps: GraphQLDeps,
  options: GraphQLWebSocketOptions = {},
) {
  const limits = { ...defaultGraphQLWebSocketOptions, ...options };
  const operations = new OperationCache();
  const wss = new WebSocketServer({ server, path: GRAPHQL_PATH, maxPayload: WS_MAX_PAYLOAD_BYTES });
  const disposable = useServer(
    {
      connectionInitWaitTimeout: limits.connectionInitWaitTimeoutMs,
      schema,
      onSubscribe: (ctx, _id, params) => {
        // graphql-ws has already reserved this id in ctx.subscriptions, so it counts itself. Over
        // the bound, the operation gets an `error` message and the connection and its other
        // operations carry on: one greedy tab should not cost the client its live subscriptions.
        if (Object.keys(ctx.subscriptions).length > limits.maxOperationsPerConnection) {
          return [
            new GraphQLError(
              `Too many operations on this connection: at most ${limits.maxOperationsPerConnection} may run at once.`,
              { extensions: { code: 'TOO_MANY_OPERATIONS' } },
            ),
          ];
        }
        // A syntax or validation error is the operation's error, not the connection's.
        const { document, errors } = operations.get(params.query);
        if (!document || errors.length) return [...errors];
        return {
          schema,
          document,
          operationName: params.operationName,
          variableValues: params.variables,
          contextValue: createContext(deps),
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) => masked(result),
    },
    wss,
    limits.keepAliveMs,
  );
  // Registered after useServer's own handler, so its socket `error` listener exists by now. It
  // logs every error as an internal one and closes with 4500; a peer that breaks the protocol is
  // the peer's problem, already closed by ws with the right code, and not worth a log line each.
  wss.on('connection', (socket: WebSocket) => {
    const internal = socket.listeners('error') as ((error: Error) => void)[];
    socket.removeAllListeners('error');
    socket.once('error', (error: Error) => {
      if (!isPeerProtocolError(error)) for (const listener of internal) listener(error);
    });
  });
  return {
    async close() {
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
