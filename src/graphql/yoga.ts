/** The GraphQL HTTP door (queries, mutations, subscriptions over SSE, GraphiQL) and its limits. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { graphqlRequestPlugin, yogaLogger } from '../observability/graphql.js';
import { requestLog } from '../observability/request-context.js';
import { authenticateRequest } from './access-errors.js';
import { createContext, type GraphQLContext, type GraphQLDeps } from './context.js';
import { maskGraphQLError, serviceUnavailableStatus } from './error-mask.js';
import { mayRunLean, runLean } from './lean-post.js';
import { TRUSTED_DOCUMENTS_OFF, type TrustedDocuments } from './trusted-documents.js';
import { yogaLimitPlugins } from './limits.js';
import { schema } from './schema/index.js';
import { MAX_BODY_BYTES } from '../support/request-limits.js';

const GRAPHIQL_DEFAULT_QUERY = `# The jobs of a workspace; try pauseJob, or subscribe to jobStatus.
query Jobs {
  jobs(workspace: "default", first: 10) {
    totalCount
    nodes { name status allowedActions updatedAt }
  }
}
`;

export type GraphQLServer = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/** `plugins`: the gateway's own on top of the limits (metrics). */
export function createGraphQLServer(deps: GraphQLDeps, plugins: Plugin[] = []): GraphQLServer {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: { title: 'Jobs gateway', subscriptionsProtocol: 'WS', defaultQuery: GRAPHIQL_DEFAULT_QUERY },
    // Self-hosted (no CDN), so GraphiQL works on networks without internet access; the 9 MB
    // bundle is loaded on the first visit, not at start-up.
    renderGraphiQL: async (options) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    landingPage: false,
    // Unexpected errors reach clients as "Unexpected error."; typed errors are results, not errors;
    // a client's mistake in an argument is a BAD_USER_INPUT error (argument-errors.ts), shown as is;
    // the database being unavailable is a SERVICE_UNAVAILABLE error (error-mask.ts). An
    // operation's masked error carries the request id its log line has (graphqlRequestPlugin).
    maskedErrors: { maskError: maskGraphQLError },
    logging: yogaLogger,
    // CORS is the gateway's, for every door alike (CORS_ORIGINS); Yoga's would allow any origin.
    cors: false,
    // The caller, from the `Authorization` header (GraphQL over SSE sends it too); a missing or
    // bad token is answered before anything runs: UNAUTHENTICATED, HTTP 401.
    context: async ({ request }) => createContext(deps, await authenticateRequest(deps.access, request)),
    plugins: [
      // First: a refused or unknown document is answered before anything parses it.
      ...(deps.trustedDocuments?.yogaPlugins() ?? []),
      ...yogaLimitPlugins,
      graphqlRequestPlugin,
      serviceUnavailableStatus,
      ...plugins,
    ],
  });
}

/**
 * Serves `yoga` on Node's request and response. A body with a Content-Length within the limit is
 * read from the socket first: a plain JSON query or mutation then runs on the lean path
 * (lean-post.ts), and anything else goes to Yoga with the body as bytes (given the request stream
 * instead, Yoga pipes it through web streams, a TransformStream per request). Any other body
 * (none, chunked, over the limit) goes to Yoga as it is, whose limits answer it (411, 413).
 * With trusted documents only, a document sent as text must be refused, so all goes to Yoga, whose
 * persisted-operations plugin decides (trusted-documents.ts); a request naming a document by its
 * hash goes there in every mode.
 */
export function serveGraphQL(
  yoga: GraphQLServer,
  trustedDocuments: TrustedDocuments = TRUSTED_DOCUMENTS_OFF,
) {
  const textAllowed = trustedDocuments.mode !== 'only';
  return (req: IncomingMessage, res: ServerResponse) => {
    const length = Number(req.headers['content-length'] ?? 0);
    if (!(length > 0 && length <= MAX_BODY_BYTES) || req.headers['transfer-encoding'] !== undefined) {
      return void yoga(req, res);
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    const lean = textAllowed && mayRunLean(req);
    const toYoga = (body: Buffer) => {
      // Yoga takes a `body` already read (Buffer is a Uint8Array) as the request's body.
      (req as IncomingMessage & { body?: Buffer }).body = body;
      void yoga(req, res);
    };
    req.once('end', () => {
      const body = Buffer.concat(chunks);
      if (!lean) return toYoga(body);
      runLean(yoga, req, res, body).then(
        (answered) => answered || toYoga(body),
        (error: unknown) => {
          requestLog(req).error({ err: error }, 'Unexpected error answering a GraphQL request');
          if (!res.headersSent) res.writeHead(500);
          res.end();
        },
      );
    });
    // The client went away mid-body: there is no one to answer.
    req.once('error', () => res.destroy());
  };
}
