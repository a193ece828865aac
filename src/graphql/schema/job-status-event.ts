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
import { connection, JobRef, totalCountField, WORKSPACE_ARG } from './job.js';
import { jobNotFound, untilAccessEnds } from './live-results.js';

export const JobStatusEventRef = builder.objectRef<StatusEvent>('JobStatusEvent').implement({
  description: 'One change of a job’s status, as recorded: every change is one event, in commit order.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this event.' }),
    job: t.field({
      type: JobRef,
      description:
        'The job as it is now (not as it was at the event); an error when the job has been deleted since.',
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
    status: t.expose('status', { type: JobStatusEnum, description: 'The status the job moved to.' }),
    previousStatus: t.expose('previousStatus', {
      type: JobStatusEnum,
      nullable: true,
      description: 'The status it left; null for the first event (the job’s creation, CREATED).',
    }),
    occurredAt: t.expose('occurredAt', {
      type: 'DateTime',
      description: 'When the change was made (UTC), in the transaction that made it.',
    }),
    actor: t.string({
      nullable: true,
      description:
        'Who caused the change: the principal, as role bindings name it; null for changes the system made, and when access control is off.',
      // Read only when the event log records it.
      resolve: (event) => event.actor,
    }),
  }),
});

const JobStatusEventConnectionRef = builder.connectionObject(
  {
    type: JobStatusEventRef,
    name: 'JobStatusEventConnection',
    description: 'A page of a job’s status history, oldest first.',
    fields: (t) => ({ totalCount: t.int(totalCountField('status events the job has')) }),
  },
  { description: 'A status event and its cursor in the history.' },
);

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
      first: t.arg.int({
        description: `How many events, from the oldest or after \`after\` (0–${MAX_EVENTS_PAGE}); 50 when not given.`,
        validate: pageSize(MAX_EVENTS_PAGE),
      }),
      after: t.arg.string({ description: 'Only events after this cursor (an event’s `cursor`).' }),
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
      workspace: t.arg.string({ required: true, description: WORKSPACE_ARG }),
      name: t.arg.string({ required: true, description: 'The job’s name.' }),
      after: t.arg.string({
        description:
          'Replay every change after this cursor (the `cursor` of the last event received) instead of starting with the current state.',
      }),
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
      workspace: t.arg.string({ required: true, description: WORKSPACE_ARG }),
      after: t.arg.string({
        description:
          'Replay every change after this cursor (the `cursor` of the last event received); without it, only changes from now on.',
      }),
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
