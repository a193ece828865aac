/**
 * graphql-ws (the `graphql-transport-ws` subprotocol) on the same port and path as HTTP, with
 * its limits. The protocol's own close codes come from graphql-ws:
 *   4400 invalid message · 4401 subscribe before connection_ack · 4406 wrong subprotocol ·
 *   4408 no connection_init in time · 4409 an operation id already in use ·
 *   4429 a second connection_init · 1009 a message larger than WS_MAX_PAYLOAD_BYTES (ws).
 * With access control on, the caller's token comes in the `connection_init` payload
 * (`{"Authorization": "Bearer …"}`): a missing or bad one closes the socket with 4403, as does the
 * token expiring later; an identity provider that cannot be reached closes it with 1013 (try again later).
 */
import { randomUUID } from 'node:crypto';
import { RequestCache } from '@pothos/plugin-scope-auth';
import type { Server } from 'node:http';
import { GraphQLError, parse, validate, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Context as ConnectionContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  ANONYMOUS,
  AuthenticationError,
  IdentityProviderUnavailableError,
  type Principal,
} from '../access/index.js';
import { connectionAuthorization } from './access-errors.js';
import type { Logger } from '../observability/logger.js';
import { log } from '../observability/request-context.js';
import { createContext, type GraphQLDeps } from './context.js';
import { maskGraphQLError } from './error-mask.js';
import { parseOptions, validationRules } from './limits.js';
import { schema } from './schema/index.js';
import { sharedSubscribe } from './shared-subscribe.js';
import { unstorableVariables } from './storable-input.js';
import { TRUSTED_DOCUMENTS_OFF } from './trusted-documents.js';

export const WS_MAX_PAYLOAD_BYTES = 64 * 1024;
export const GRAPHQL_PATH = '/graphql';

export interface GraphQLWebSocketOptions {
  /** A socket that sends no `connection_init` within this time is closed with 4408 (ms). */
  connectionInitWaitTimeoutMs?: number;
  /** A ws ping frame goes to every peer this often; one that has not ponged a keep-alive later is terminated (ms). */
  keepAliveMs?: number;
  /** Operations (subscriptions, and queries or mutations still running) one connection may hold at once. */
  maxOperationsPerConnection?: number;
  /** Told when a subscription starts and ends (for the open-subscriptions metric). */
  subscriptions?: { opened(): void; closed(): void };
  /** Where unexpected errors are logged (the gateway's logger); the process's by default. */
  logger?: Logger;
}

export const defaultGraphQLWebSocketOptions: Required<
  Omit<GraphQLWebSocketOptions, 'subscriptions' | 'logger'>
> = {
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

/** `extensions.http` is for HTTP responses (Yoga reads and drops it); a WebSocket has no status. */
function withoutHttp(error: GraphQLError): GraphQLError {
  if (!error.extensions.http) return error;
  const { http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { nodes: error.nodes, path: error.path, extensions });
}

/**
 * As on HTTP: an error the schema did not mean to show becomes "Unexpected error." (or
 * SERVICE_UNAVAILABLE), with an id
 * the client can quote and the log line (with the stack) has. A WebSocket carries many operations,
 * so the id is the error's own.
 */
function masked(result: ExecutionResult, logger: Logger): ExecutionResult {
  if (!result.errors) return result;
  return {
    ...result,
    errors: result.errors.map((error) => {
      const shown = maskGraphQLError(error) as GraphQLError;
      if (shown === error || shown.extensions.code === 'SERVICE_UNAVAILABLE') return withoutHttp(shown);
      const requestId = randomUUID();
      logger.error(
        { err: error.originalError ?? error, requestId },
        'Unexpected error in a GraphQL operation over WebSocket',
      );
      shown.extensions.requestId = requestId;
      return shown;
    }),
  };
}

/** The close code of a refused or expired token (graphql-ws's "Forbidden"). */
export const TOKEN_REFUSED_CLOSE_CODE = 4403;
/** The identity provider could not be reached to check the token (WebSocket's "Try Again Later"). */
export const TRY_AGAIN_LATER_CLOSE_CODE = 1013;
/** setTimeout's longest delay; a token valid for longer is looked at again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Closes `socket` when the token it was opened with expires. */
function closeAtExpiry(socket: WebSocket, expiresAt: Date) {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = expiresAt.getTime() - Date.now();
    if (left <= 0) return socket.close(TOKEN_REFUSED_CLOSE_CODE, 'The token has expired.');
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };
  arm();
  socket.once('close', () => clearTimeout(timer));
}

const subscriptionIds = new WeakMap<object, Set<string>>();
/** The ids of a connection's subscriptions that have started and not yet ended. */
function openSubscriptions(ctx: object): Set<string> {
  let ids = subscriptionIds.get(ctx);
  if (!ids) subscriptionIds.set(ctx, (ids = new Set()));
  return ids;
}

/** ws emits these when the peer breaks the WebSocket protocol (e.g. 1009); ws has already closed the socket with the right code. */
const isPeerProtocolError = (error: Error) => {
  const { code } = error as { code?: unknown };
  return typeof code === 'string' && code.startsWith('WS_ERR_');
};

/**
 * Operations go straight to graphql-js, not through Yoga's plugin chain: each plugin wraps every
 * subscription's iterator, which cost about 5 KB per idle watcher. What those plugins did here
 * (parse and validation caches, document limits, error masking) is done below. Subscriptions of
 * the same operation by the same caller share each event's execution (`sharedSubscribe`).
 */
export function attachGraphQLWebSocket(
  server: Server,
  deps: GraphQLDeps,
  options: GraphQLWebSocketOptions = {},
) {
  const limits = { ...defaultGraphQLWebSocketOptions, ...options };
  const operations = new OperationCache();
  const trusted = deps.trustedDocuments ?? TRUSTED_DOCUMENTS_OFF;
  // Each connection's caller, from its connection_init; kept only with access control on.
  const principals = new WeakMap<ConnectionContext, Principal>();
  const wss = new WebSocketServer({ server, path: GRAPHQL_PATH, maxPayload: WS_MAX_PAYLOAD_BYTES });
  const disposable = useServer(
    {
      connectionInitWaitTimeout: limits.connectionInitWaitTimeoutMs,
      schema,
      subscribe: sharedSubscribe,
      onConnect: async (ctx) => {
        // graphql-ws keeps the upgrade request beside the socket for the connection's life; nothing
        // here reads it, and with thousands of idle subscribers its headers add up.
        (ctx.extra as { request?: unknown }).request = undefined;
        if (!deps.access.enabled) return true;
        const { socket } = ctx.extra as { socket: WebSocket };
        try {
          const principal = await deps.access.authenticate(connectionAuthorization(ctx.connectionParams));
          if (principal.expiresAt) closeAtExpiry(socket, principal.expiresAt);
          // The socket's own timer ends the connection at expiry. Its subscriptions are not also
          // reviewed for it: that review, ticking just before the timer, would end them one by one
          // with UNAUTHENTICATED instead, and the client would be told two different things.
          const { expiresAt: _endsWithTheSocket, ...connectionPrincipal } = principal;
          principals.set(ctx, connectionPrincipal);
          return true;
        } catch (error) {
          if (error instanceof AuthenticationError) return false; // graphql-ws closes with 4403
          if (!(error instanceof IdentityProviderUnavailableError)) throw error;
          socket.close(
            TRY_AGAIN_LATER_CLOSE_CODE,
            'The identity provider is unavailable; try again shortly.',
          );
          return false;
        }
      },
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
        // The trusted-documents rule, as on HTTP: the text to run, or why nothing runs.
        const decision = trusted.resolve(params);
        if ('refusal' in decision) return [withoutHttp(decision.refusal)];
        // A syntax or validation error is the operation's error, not the connection's.
        const { document, errors } = operations.get(decision.query);
        if (!document || errors.length) return [...errors];
        const unstorable = unstorableVariables(params.variables);
        if (unstorable) return [unstorable];
        return {
          schema,
          document,
          operationName: params.operationName,
          variableValues: params.variables,
          contextValue: createContext(deps, principals.get(ctx) ?? ANONYMOUS),
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) => masked(result, options.logger ?? log()),
      // A subscription's result is an async iterable; graphql-ws calls onComplete once it ends, however.
      onOperation: (ctx, id, _payload, args, result) => {
        if (!(Symbol.asyncIterator in Object(result))) return;
        // The subscription has been authorised; the scope results of that check would otherwise
        // live in its context as long as it runs (about 1 KB per idle watcher).
        RequestCache.clearForContext(args.contextValue as object);
        if (!options.subscriptions) return;
        openSubscriptions(ctx).add(id);
        options.subscriptions.opened();
      },
      onComplete: (ctx, id) => {
        if (openSubscriptions(ctx).delete(id)) options.subscriptions?.closed();
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
