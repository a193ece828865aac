/**
 * `GET …/workspaces/{workspace}/jobs/{name}/logs`: what a job's steps printed, oldest first, paged
 * as the upstream API pages it: `limit` lines from the start or from `page_cursor`, or the `tail`
 * newest ones; `step_id` keeps one step's lines. `next_page` and `prev_page` are cursors for the
 * neighbouring pages, null where there is nothing (yet) to read.
 */
import type { AccessEnv } from './access.js';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { JobLogRow } from '../jobs/tables.js';
import type { JobLogQuery } from '../jobs/logs.js';
import type { JobsService } from '../jobs/service.js';
import { SUBPROCESS_TASK } from '../jobs/tasks.js';
import { invalidQuery, jobPath, notFound, ok, operation, operationsRouter } from './operations.js';
import { queryInteger, queryString } from './query.js';
import { jobLogPage, type JobLogEntry, type JobLogPage } from './schemas.js';
import { RequestValidationError } from './validation.js';

// A repeated parameter takes its last value here, as this route always has.
const logQuery = z.object({
  limit: queryInteger(1, 10_000, 'last').default(100).describe('How many lines a page holds.'),
  page_cursor: queryString(z.string(), 'last')
    .optional()
    .describe('Where the page starts: the `next_page` or `prev_page` of another page.'),
  tail: queryInteger(1, 10_000, 'last')
    .optional()
    .describe('Only the newest lines, this many (instead of `limit` from the start or the cursor).'),
  step_id: queryString(z.string().min(1), 'last')
    .optional()
    .describe('Only the lines of the step of this name.'),
  attempt_id: queryString(z.string().min(1), 'last')
    .optional()
    .describe('Only the lines of this attempt of the job (its `attempt_id`; a job has one attempt).'),
  task_id: queryString(z.string().min(1), 'last')
    .optional()
    .describe(`Only the lines of this task (a \`subprocess\` step's one task is \`${SUBPROCESS_TASK}\`).`),
});

const getJobLogs = createRoute({
  ...operation(
    'get',
    '/workspaces/{workspace}/jobs/{name}/logs',
    'Page Job Logs',
    'Get what a job’s steps printed, oldest line first, a page at a time: `limit` lines from the start ' +
      'or from `page_cursor`, or the `tail` newest ones.',
    'jobs.read',
  ),
  request: { params: jobPath, query: logQuery },
  responses: { ...ok(jobLogPage), ...notFound(), ...invalidQuery },
});

type Cursor = { after: number } | { before: number };

/** Opaque to clients: which side of which line the page starts. */
const encodeCursor = (cursor: Cursor) =>
  Buffer.from('after' in cursor ? `after:${cursor.after}` : `before:${cursor.before}`).toString('base64url');

function decodeCursor(text: string): Cursor {
  const match = /^(after|before):(\d{1,15})$/.exec(Buffer.from(text, 'base64url').toString());
  if (!match) {
    throw new RequestValidationError([
      {
        type: 'value_error',
        loc: ['query', 'page_cursor'],
        msg: 'Value error, not a page cursor of this endpoint',
        input: text,
      },
    ]);
  }
  return match[1] === 'after' ? { after: Number(match[2]) } : { before: Number(match[2]) };
}

/** `JobLogEntry`: one line as upstream shows it, plus the stream it came from. */
const logEntry = (row: JobLogRow, jobName: string): JobLogEntry => ({
  timestamp: row.timestamp.toISOString(),
  job: jobName,
  job_step: row.step,
  // Every stored line was printed by a subprocess step's one task, its process.
  job_task: SUBPROCESS_TASK,
  message: row.message,
  stream: row.stream,
});

export function jobLogRoutes(jobs: JobsService): OpenAPIHono<AccessEnv> {
  const app = operationsRouter();

  app.openapi(getJobLogs, async (c) => {
    const { workspace, name } = c.req.valid('param');
    const query = c.req.valid('query');
    const cursor = query.page_cursor !== undefined ? decodeCursor(query.page_cursor) : undefined;
    const window: JobLogQuery = {
      step: query.step_id,
      attemptId: query.attempt_id,
      task: query.task_id,
      ...cursor,
      // Paging backwards takes the lines just before the cursor, as tail takes the newest.
      take:
        query.tail !== undefined
          ? { last: query.tail }
          : cursor && 'before' in cursor
            ? { last: query.limit }
            : { first: query.limit },
    };
    const page = await jobs.pageLogs(workspace, name, window);
    const body: JobLogPage = {
      data: page.rows.map((row) => logEntry(row, name)),
      total: page.total,
      next_page: page.hasAfter ? encodeCursor({ after: page.rows.at(-1)!.id }) : null,
      prev_page: page.hasBefore ? encodeCursor({ before: page.rows[0]!.id }) : null,
    };
    return c.json(body, 200);
  });

  return app;
}
