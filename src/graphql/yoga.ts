/** The GraphQL HTTP door (queries, mutations, subscriptions over SSE, GraphiQL) and its limits. */
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { maskWithRequestId, operationNamePlugin, yogaLogger } from '../observability/graphql.js';
import { authenticateRequest } from './access-errors.js';
import { createContext, type GraphQLContext, type GraphQLDeps } from './context.js';
import { serviceUnavailableStatus } from './error-mask.js';
import { yogaLimitPlugins } from './limits.js';
import { schema } from './schema/index.js';

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
    // the database being unavailable is a SERVICE_UNAVAILABLE error (error-mask.ts). A masked
    // error carries the request id its log line has.
    maskedErrors: { maskError: maskWithRequestId },
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
      operationNamePlugin,
      serviceUnavailableStatus,
      ...plugins,
    ],
  });
}
