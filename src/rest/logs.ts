/**
 * `GET …/workspaces/{workspace}/jobs/{name}/logs`: what a job's steps printed, oldest first, paged
 * as the upstream API pages it: `limit` lines from the start or from `page_cursor`, or the `tail`
 * newest ones; `step_id` keeps one step's lines. `next_page` and `prev_page` are cursors for the
 * neighbouring pages, null where there is nothing (yet) to read.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { JobLogRow } from '../jobs/tables.js';
import type { JobLogQuery } from '../jobs/logs.js';
import type { JobsService } from '../jobs/service.js';
import type { JobLogEntry, JobLogPage } from './schemas.js';
import { RequestValidationError, parseOr422 } from './validation.js';

const integer = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v),
    z.number().int().min(min).max(max),
  );

/** The query string, as the OpenAPI document describes it (./openapi.ts). */
export const logQuery = z.object({
  limit: integer(1, 10_000).default(100),
  page_cursor: z.string().optional(),
  tail: integer(1, 10_000).optional(),
  step_id: z.string().min(1).optional(),
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
  // A subprocess step runs as one process, not as tasks (its status tree lists none).
  job_task: '',
  message: row.message,
  stream: row.stream,
});

export function jobLogRoutes(jobs: JobsService): Hono {
  const app = new Hono();

  app.get('/workspaces/:workspace/jobs/:name/logs', async (c) => {
    const params = Object.fromEntries(new URL(c.req.url).searchParams);
    const query = parseOr422(logQuery, params, 'query');
    const cursor = query.page_cursor !== undefined ? decodeCursor(query.page_cursor) : undefined;
    const window: JobLogQuery = {
      step: query.step_id,
      ...cursor,
      // Paging backwards takes the lines just before the cursor, as tail takes the newest.
      take:
        query.tail !== undefined
          ? { last: query.tail }
          : cursor && 'before' in cursor
            ? { last: query.limit }
            : { first: query.limit },
    };
    const name = c.req.param('name');
    const page = await jobs.pageLogs(c.req.param('workspace'), name, window);
    const body: JobLogPage = {
      data: page.rows.map((row) => logEntry(row, name)),
      total: page.total,
      next_page: page.hasAfter ? encodeCursor({ after: page.rows.at(-1)!.id }) : null,
      prev_page: page.hasBefore ? encodeCursor({ before: page.rows[0].id }) : null,
    };
    return c.json(body);
  });

  return app;
}
