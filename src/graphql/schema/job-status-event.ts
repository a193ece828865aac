/**
 * JobStatusEvent: one status change of a job. `Job.events` pages a job's history; the
 * `jobStatus` and `jobEvents` subscriptions stream changes live, replaying from a cursor first.
 */
import { GraphQLError } from 'graphql';
import { decodeCursor, InvalidCursorError } from '../../events/cursor.js';
import type { StatusEvent } from '../../events/feed.js';
import { openJobStream } from '../../events/job-stream.js';
import { JobNotFoundError } from '../../jobs/errors.js';
import { builder } from '../builder.js';
import { JobStatusEnum } from './enums.js';
import { connection, connectionOf, JobRef } from './job.js';

export const JobStatusEventRef = builder.objectRef<StatusEvent>('JobStatusEvent').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this event.' }),
    job: t.field({
      type: JobRef,
      resolve: async (event, _, { loaders }, info) => {
        // A subscription keeps one context for its whole life: each event must see the job as it is now.
        if (info.operation.operation === 'subscription') loaders.jobById.clear(event.jobId);
        const job = await loaders.jobById.load(event.jobId);
        if (!job) throw new GraphQLError(`Job '${event.jobName}' has been deleted.`);
        return job;
      },
    }),
    status: t.expose('status', { type: JobStatusEnum }),
    previousStatus: t.expose('previousStatus', { type: JobStatusEnum, nullable: true }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
  }),
});

const JobStatusEventConnectionRef = connectionOf<StatusEvent>('JobStatusEvent', JobStatusEventRef);

builder.objectField(JobRef, 'events', (t) =>
  t.field({
    type: JobStatusEventConnectionRef,
    description: 'The status history, oldest first.',
    args: {
      first: t.arg.int({ validate: { min: 0, max: 500 } }),
      after: t.arg.string(),
    },
    resolve: async (job, { first, after }, { loaders }) => {
      const all = await loaders.eventsByJob.load(job.id);
      const start = after ? all.findIndex((e) => e.cursor === after) + 1 : 0;
      const page = all.slice(start, start + (first ?? 50));
      return connection(
        page.map((e) => ({ cursor: e.cursor, node: e })),
        start + page.length < all.length,
        start > 0,
        all.length,
      );
    },
  }),
);

function parseAfter(after: string | null | undefined) {
  if (!after) return undefined;
  try {
    return decodeCursor(after);
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT' } });
    }
    throw error;
  }
}

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
    subscribe: async (_, { workspace, name, after }, { jobs, feed }) => {
      const opened = await openJobStream(jobs, feed, { workspace, name, after: parseAfter(after) });
      // A missing job is an error before any event, not a stream that never speaks.
      if (opened.kind === 'not-found') {
        throw new GraphQLError(new JobNotFoundError(workspace, name).message, {
          extensions: { code: 'NOT_FOUND' },
        });
      }
      if (opened.kind === 'ended') return emptyStream();
      return opened.events;
    },
    resolve: (event) => event,
  }),
  jobEvents: t.field({
    type: JobStatusEventRef,
    description:
      'Every status change in a workspace, in order; with `after`, replayed from that cursor first.',
    args: {
      workspace: t.arg.string({ required: true }),
      after: t.arg.string(),
    },
    subscribe: (_, { workspace, after }, { feed }) => {
      const from = parseAfter(after);
      return feed.watch({ workspace }, from ? { after: from } : { live: true });
    },
    resolve: (event) => event,
  }),
}));
