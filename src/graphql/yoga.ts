/** The GraphQL HTTP door (queries, mutations, subscriptions over SSE, GraphiQL) and its limits. */
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Database } from '../db/client.js';
import type { StatusEventFeed } from '../events/feed.js';
import type { JobsService } from '../jobs/service.js';
import { createLoaders, type GraphQLContext } from './context.js';
import { schema } from './schema/index.js';

export interface GraphQLDeps {
  db: Database;
  jobs: JobsService;
  feed: StatusEventFeed;
}

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
    context: (): GraphQLContext => ({
      jobs: deps.jobs,
      feed: deps.feed,
      loaders: createLoaders(deps.db, deps.feed),
    }),
  });
}
