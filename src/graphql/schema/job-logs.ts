/**
 * What a job's steps printed: `Job.logs` pages it (the same windows as REST's `GET …/logs`, from the
 * same domain query), and the `jobLogs` subscription follows it live until the job ends.
 */
import { followJobLog } from '../../events/log-stream.js';
import { JobNotFoundError } from '../../jobs/errors.js';
import type { JobLogQuery } from '../../jobs/logs.js';
import type { JobLogRow } from '../../jobs/tables.js';
import { firstOrLast, invalidCursor, pageSize } from '../argument-errors.js';
import { needs } from '../auth-scopes.js';
import { builder } from '../builder.js';
import { connection, JobRef, totalCountField, WORKSPACE_ARG } from './job.js';
import { jobNotFound, untilAccessEnds } from './live-results.js';

/** As REST's `limit` and `tail`. */
const MAX_LOG_PAGE = 10_000;
const DEFAULT_LOG_PAGE = 100;

/** Opaque to clients: the line's id in the job's log. */
const encodeLineCursor = (row: JobLogRow) => Buffer.from(`line:${row.id}`).toString('base64url');

/** The line id a cursor names; a malformed one is the client's mistake, named. */
function lineCursorArgument(field: string, argument: string, text: string | null | undefined) {
  if (text == null) return undefined;
  const match = /^line:(\d{1,15})$/.exec(Buffer.from(text, 'base64url').toString());
  if (!match) throw invalidCursor(field, argument, text);
  return Number(match[1]);
}

const LogStreamEnum = builder.enumType('LogStream', {
  description: 'Which output of the step’s process a line came from.',
  values: {
    STDOUT: { value: 'stdout', description: 'Standard output.' },
    STDERR: { value: 'stderr', description: 'Standard error.' },
  } as const,
});

const JobLogLineRef = builder.objectRef<JobLogRow>('JobLogLine').implement({
  description:
    'One line a step’s process printed, without its newline. A line longer than 64 KiB is stored as several lines.',
  fields: (t) => ({
    cursor: t.string({
      description:
        'This line’s place in the job’s log: pass it as `after` (of `Job.logs` or `jobLogs`) to read on from the line after it.',
      resolve: encodeLineCursor,
    }),
    step: t.exposeString('step', { description: 'The name of the step that printed it.' }),
    stream: t.expose('stream', { type: LogStreamEnum, description: 'Standard output or standard error.' }),
    message: t.exposeString('message', { description: 'The line’s text, without the newline.' }),
    timestamp: t.expose('timestamp', {
      type: 'DateTime',
      description: 'When the gateway read the line from the process (UTC).',
    }),
  }),
});

const JobLogConnectionRef = builder.connectionObject(
  {
    type: JobLogLineRef,
    name: 'JobLogConnection',
    description: 'A page of a job’s log lines, oldest first.',
    fields: (t) => ({
      totalCount: t.int(totalCountField('lines the job (or the step, with `step`) printed')),
    }),
  },
  { description: 'One line of a job’s log, and its cursor.' },
);

builder.objectField(JobRef, 'logs', (t) =>
  t.field({
    type: JobLogConnectionRef,
    description: `What the job's steps printed, oldest line first, a page at a time: \`first\` lines from the start or after \`after\`, or the \`last\` lines (the newest, or those before \`before\`). ${DEFAULT_LOG_PAGE} lines when neither \`first\` nor \`last\` is given; at most ${MAX_LOG_PAGE.toLocaleString('en')}. Not batched across a list: each job's logs cost statements of their own, so read them for one job at a time.`,
    args: {
      first: t.arg.int({
        description: `How many lines from the start, or after \`after\` (0–${MAX_LOG_PAGE}).`,
        validate: pageSize(MAX_LOG_PAGE),
      }),
      after: t.arg.string({ description: 'Only lines after this cursor (of an edge or a `JobLogLine`).' }),
      last: t.arg.int({
        description: `How many of the newest lines, or of those before \`before\` (0–${MAX_LOG_PAGE}); not with \`first\`.`,
        validate: pageSize(MAX_LOG_PAGE),
      }),
      before: t.arg.string({ description: 'Only lines before this cursor.' }),
      step: t.arg.string({ description: 'Only the lines of the step of this name.' }),
    },
    validate: firstOrLast,
    resolve: async (job, args, { jobs }) => {
      const query: JobLogQuery = {
        step: args.step ?? undefined,
        after: lineCursorArgument('logs', 'after', args.after),
        before: lineCursorArgument('logs', 'before', args.before),
        take: args.last != null ? { last: args.last } : { first: args.first ?? DEFAULT_LOG_PAGE },
      };
      const page = await jobs.pageLogsOf(job.id, query);
      const edges = page.rows.map((row) => ({ cursor: encodeLineCursor(row), node: row }));
      return connection(edges, { hasNextPage: page.hasAfter, hasPreviousPage: page.hasBefore }, page.total);
    },
  }),
);

builder.subscriptionField('jobLogs', (t) =>
  t.field({
    type: JobLogLineRef,
    description:
      "A job's log, live: first the lines stored so far (or those after `after`), then each new line as the running step prints it (lines are stored in batches, about every 100 ms); completes once the job has ended (completed, error or cancelled) and its last line was sent. A paused job's log stays open.",
    args: {
      workspace: t.arg.string({ required: true, description: WORKSPACE_ARG }),
      name: t.arg.string({ required: true, description: 'The job’s name.' }),
      step: t.arg.string({ description: 'Only the lines of the step of this name.' }),
      after: t.arg.string({
        description:
          'Start after this line: the `cursor` of the last line received, to resume without repeats.',
      }),
    },
    authScopes: (_, { workspace }) => needs(workspace, 'jobs.read'),
    subscribe: async (_, { workspace, name, step, after }, { jobs, feed, logWakeups, live, principal }) => {
      const from = lineCursorArgument('jobLogs', 'after', after);
      const job = await jobs.get(workspace, name).catch((error: unknown) => {
        if (error instanceof JobNotFoundError) return undefined;
        throw error;
      });
      if (!job) throw jobNotFound(workspace, name);
      const lines = followJobLog(jobs, feed, logWakeups, {
        jobId: job.id,
        step: step ?? undefined,
        after: from,
      });
      return live.guard(principal, workspace, lines);
    },
    resolve: untilAccessEnds<JobLogRow>,
  }),
);
