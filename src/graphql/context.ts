/** What every resolver gets: the domain's service and event feed, the caller, and nothing of the database. */
import { ANONYMOUS, type AccessControl, type Principal } from '../access/index.js';
import type { StatusEventFeed } from '../events/feed.js';
import type { LogWakeups } from '../events/log-wakeups.js';
import type { TrustedDocuments } from './trusted-documents.js';
import type { JobsService } from '../jobs/service.js';
import type { JobResults } from '../jobs/results.js';
import type { JobTasks } from '../jobs/tasks.js';
import { LiveAccess } from '../access/live.js';

/** What the GraphQL doors are built from. */
export interface GraphQLDeps {
  jobs: JobsService;
  feed: StatusEventFeed;
  /** Wakes followers of job logs when lines are stored (jobLogs). */
  logWakeups: LogWakeups;
  access: AccessControl;
  /** Steps' tasks and jobs' results. */
  tasks: JobTasks;
  results: JobResults;
  /** Which documents may run (off when not given). */
  trustedDocuments?: TrustedDocuments;
}

export interface GraphQLContext {
  jobs: JobsService;
  feed: StatusEventFeed;
  logWakeups: LogWakeups;
  access: AccessControl;
  tasks: JobTasks;
  results: JobResults;
  /** Who is calling: from the request's `Authorization` header or the connection's `connection_init`. */
  principal: Principal;
  /** Re-checks open subscriptions' right to read while they run. */
  live: LiveAccess;
}

/**
 * A fresh context: one per HTTP request, one per WebSocket operation. The batch loaders of the
 * dataloader plugin and the auth scope results are kept per context object and made on first
 * use, so they are request-scoped, and an idle subscription, which keeps its context for its
 * whole life, holds none.
 */
export function createContext(deps: GraphQLDeps, principal: Principal = ANONYMOUS): GraphQLContext {
  return {
    jobs: deps.jobs,
    feed: deps.feed,
    logWakeups: deps.logWakeups,
    access: deps.access,
    tasks: deps.tasks,
    results: deps.results,
    principal,
    live: LiveAccess.of(deps.access),
  };
}
