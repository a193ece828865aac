/** What every resolver gets: the domain services and request-scoped batch loaders (no N+1). */
import DataLoader from 'dataloader';
import { inArray } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { jobs as jobsTable } from '../jobs/tables.js';
import type { StatusEventFeed, StatusEvent } from '../events/feed.js';
import * as repo from '../jobs/repository.js';
import type { JobRecord } from '../jobs/repository.js';
import type { JobsService } from '../jobs/service.js';

/** What the GraphQL doors are built from. */
export interface GraphQLDeps {
  db: Database;
  jobs: JobsService;
  feed: StatusEventFeed;
}

export interface GraphQLContext {
  jobs: JobsService;
  feed: StatusEventFeed;
  loaders: Loaders;
}

export interface Loaders {
  jobById: DataLoader<string, JobRecord | null>;
  eventsByJob: DataLoader<string, StatusEvent[]>;
}

/**
 * Loaders are made on first use: a subscription keeps its context for its whole life, and most
 * never resolve a job, so ten thousand idle watchers should not hold twenty thousand loaders.
 */
export function createLoaders(db: Database, feed: StatusEventFeed): Loaders {
  let jobById: Loaders['jobById'] | undefined;
  let eventsByJob: Loaders['eventsByJob'] | undefined;
  return {
    get jobById() {
      return (jobById ??= new DataLoader(async (ids: readonly string[]) => {
        const rows = await db
          .select()
          .from(jobsTable)
          .where(inArray(jobsTable.id, [...ids]));
        const records = new Map((await repo.withSteps(db, rows)).map((r) => [r.id, r]));
        return ids.map((id) => records.get(id) ?? null);
      }));
    },
    get eventsByJob() {
      return (eventsByJob ??= new DataLoader(async (ids: readonly string[]) => {
        const byJob = await feed.historyOfJobs([...ids]);
        return ids.map((id) => byJob.get(id) ?? []);
      }));
    },
  };
}

/** A fresh context: one per HTTP request, one per WebSocket operation. */
export function createContext(deps: GraphQLDeps): GraphQLContext {
  return { jobs: deps.jobs, feed: deps.feed, loaders: createLoaders(deps.db, deps.feed) };
}
