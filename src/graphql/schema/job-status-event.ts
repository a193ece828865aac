/**
 * JobStatusEvent: one status change of a job. `Job.events` pages a job's history; the
 * `jobStatus` and `jobEvents` subscriptions stream changes live, replaying from a cursor first.
 */
import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import { GraphQLError, OperationTypeNode } from 'graphql';
import type { StatusEvent } from '../../events/feed.js';
import { openJobStream } from '../../events/job-stream.js';
import { eventCursorArgument, invalidCursor, pageSize } from '../argument-errors.js';
import { needs } from '../auth-scopes.js';
import { builder } from '../builder.js';
import { JobStatusEnum } from './enums.js';
import { connection, JobRef } from './job.js';
import { jobNotFound, untilAccessEnds } from './live-results.js';

export const JobStatusEventRef = builder.objectRef<StatusEvent>('JobStatusEvent').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this event.' }),
    job: t.field({
      type: JobRef,
      resolve: async (event, _, context, info) => {
        // A subscription keeps one context for its whole life: each event it delivers starts with
        // empty loaders, so it sees the job, and its history, as they are now.
        const delivered =
          info.operation.operation === OperationTypeNode.SUBSCRIPTION && info.path.prev?.prev === undefined;
        if (delivered) clearAllDataLoaders(context);
        const job = await JobRef.getDataloader(context).load(event.jobId);
        if (!job) throw new GraphQLError(`Job '${event.jobName}' has been deleted.`);
        return job;
      },
    }),
    status: t.expose('status', { type: JobStatusEnum }),
    previousStatus: t.expose('previousStatus', { type: JobStatusEnum, nullable: true }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    actor: t.string({
      nullable: true,
      description:
        'Who caused the change: the principal, as role bindings name it; null for changes the system made, and when access control is off.',
      // Read only when the event log records it.
      resolve: (event) => event.actor,
    }),
  }),
});

const JobStatusEventConnectionRef = builder.connectionObject({
  type: JobStatusEventRef,
  name: 'JobStatusEventConnection',
  fields: (t) => ({ totalCount: t.exposeInt('totalCount') }),
});

const MAX_EVENTS_PAGE = 500;

/** A page of one job's history; a cursor that is not one of its events is the client's mistake. */
function pageOfHistory(history: StatusEvent[], first: number, after: string | null | undefined) {
  const start = after ? history.findIndex((e) => e.cursor === after) + 1 : 0;
  if (after && start === 0) return invalidCursor('events', 'after', after);
  const page = history.slice(start, start + first);
  return connection(
    page.map((e) => ({ cursor: e.cursor, node: e })),
    { hasNextPage: start + page.length < history.length, hasPreviousPage: start > 0 },
    history.length,
  );
}

builder.objectField(JobRef, 'events', (t) =>
  t.loadable({
    type: JobStatusEventConnectionRef,
    description: 'The status history, oldest first.',
    args: {
      first: t.arg.int({ validate: pageSize(MAX_EVENTS_PAGE) }),
      after: t.arg.string(),
    },
    // The histories of every job at one place in the document, in one statement; each place has
    // a loader of its own, as its arguments are its own.
    byPath: true,
    load: async (jobIds: string[], { feed }, { first, after }) => {
      const histories = await feed.historyOfJobs(jobIds);
      return jobIds.map((id) => pageOfHistory(histories.get(id) ?? [], first ?? 50, after));
    },
    resolve: (job) => job.id,
  }),
);

async function* emptyStream(): AsyncIterableIterator<StatusEvent> {}

builder.subscriptionFields((t) => ({
  jobStatus: t.field({
    type: JobStatusEventRef,
    description:
      "One job's status: first its current state (or, with `after`, every change since that cursor), then every change in order; completes after a terminal status.",
    args: {
      workspace: t.arg.string({ required: true }),
      name: t.arg.string({ required: true }),
      after: t.arg.string(),
    },
    authScopes: (_, { workspace }) => needs(workspace, 'jobs.read'),
    subscribe: async (_, { workspace, name, after }, { jobs, feed, live, principal }) => {
      const from = eventCursorArgument('jobStatus', 'after', after);
      const opened = await openJobStream(jobs, feed, { workspace, name, after: from });
      if (opened.kind === 'not-found') throw jobNotFound(workspace, name);
      if (opened.kind === 'ended') return emptyStream();
      return live.guard(principal, workspace, opened.events);
    },
    resolve: untilAccessEnds<StatusEvent>,
  }),
  jobEvents: t.field({
    type: JobStatusEventRef,
    description:
      'Every status change in a workspace, in order; with `after`, replayed from that cursor first.',
    args: {
      workspace: t.arg.string({ required: true }),
      after: t.arg.string(),
    },
    authScopes: (_, { workspace }) => needs(workspace, 'jobs.read'),
    subscribe: (_, { workspace, after }, { feed, live, principal }) => {
      const from = eventCursorArgument('jobEvents', 'after', after);
      return live.guard(
        principal,
        workspace,
        feed.watch({ workspace }, from ? { after: from } : { live: true }),
      );
    },
    resolve: untilAccessEnds<StatusEvent>,
  }),
}));
