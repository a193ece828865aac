/** What every resolver gets: the domain's service and event feed, and nothing of the database. */
import type { AccessControl } from '../access/index.js';
import type { StatusEventFeed } from '../events/feed.js';
import type { JobsService } from '../jobs/service.js';

/** What the GraphQL doors are built from. */
export interface GraphQLDeps {
  jobs: JobsService;
  feed: StatusEventFeed;
  access: AccessControl;
}

export interface GraphQLContext {
  jobs: JobsService;
  feed: StatusEventFeed;
}

/**
 * A fresh context: one per HTTP request, one per WebSocket operation. The batch loaders of the
 * dataloader plugin are kept per context object and made on first use, so they are request-scoped,
 * and an idle subscription, which keeps its context for its whole life, holds none.
 */
export function createContext(deps: GraphQLDeps): GraphQLContext {
  return { jobs: deps.jobs, feed: deps.feed };
}
