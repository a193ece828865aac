/**
 * graphql-ws (the `graphql-transport-ws` subprotocol) on the same port and path as HTTP, with
 * its limits. The protocol's own close codes come from graphql-ws:
 *   4400 invalid message · 4401 subscribe before connection_ack · 4406 wrong subprotocol ·
 *   4408 no connection_init in time · 4409 an operation id already in use ·
 *   4429 a second connection_init · 1009 a message larger than WS_MAX_PAYLOAD_BYTES (ws).
 */
import type { Server } from 'node:http';
import { GraphQLError, type DocumentNode, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { GraphQLServer } from './yoga.js';

export const WS_MAX_PAYLOAD_BYTES = 64 * 1024;

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

type EnvelopedArgs = ExecutionArgs & {
  rootValue: { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };
};

/** ws emits these when the peer breaks the WebSocket protocol (e.g. 1009); ws has already closed the socket with the right code. */
const isPeerProtocolError = (error: Error) =>
  String((error as { code?: unknown }).code ?? '').startsWith('WS_ERR_');

export function attachGraphQLWebSocket(
  server: Server,
  yoga: GraphQLServer,
  options: GraphQLWebSocketOptions = {},
) {
  const limits = { ...defaultGraphQLWebSocketOptions, ...options };
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: WS_MAX_PAYLOAD_BYTES });
  const disposable = useServer(
    {
      connectionInitWaitTimeout: limits.connectionInitWaitTimeoutMs,
      execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
      subscribe: (args) => (args as EnvelopedArgs).rootValue.subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
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
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        let document: DocumentNode;
        try {
          document = parse(params.query);
        } catch (error) {
          // A syntax error is the operation's error, not the connection's (which would be 4500).
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const errors = validate(schema, document);
        if (errors.length) return errors;
        return {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
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
