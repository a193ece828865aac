/** The GraphQL HTTP door (queries, mutations, subscriptions over SSE, GraphiQL) and its limits. */
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { createContext, type GraphQLContext, type GraphQLDeps } from './context.js';
import { yogaLimitPlugins } from './limits.js';
import { schema } from './schema/index.js';

export type GraphQLServer = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

export function createGraphQLServer(deps: GraphQLDeps): GraphQLServer {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: { title: 'Jobs gateway', subscriptionsProtocol: 'WS' },
    landingPage: false,
    // Unexpected errors reach clients as "Unexpected error."; typed errors are results, not errors.
    maskedErrors: true,
    logging: 'warn',
    context: () => createContext(deps),
    plugins: yogaLimitPlugins,
  });
}
