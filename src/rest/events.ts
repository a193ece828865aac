/**
 * `GET …/workspaces/{workspace}/jobs/{name}/events`: one job's status changes as server-sent
 * events. First its current state, or with `Last-Event-ID` (or `?after=`) every change after
 * that cursor; then every change live, until a terminal status ends the stream.
 */
import type { AccessEnv } from './access.js';
import { AccessEnded } from '../access/index.js';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { z } from 'zod';
import { databaseUnavailable } from '../db/unavailable.js';
import { decodeCursor } from '../events/cursor.js';
import type { StatusEvent, StatusEventFeed } from '../events/feed.js';
import { openJobStream } from '../events/job-stream.js';
import { SlowSubscriberError } from '../events/queue.js';
import { JobNotFoundError } from '../jobs/errors.js';
import type { JobsService } from '../jobs/service.js';
import { restLog } from '../observability/rest-route.js';
import { answer, jobPath, notFound, operation, operationsRouter } from './operations.js';
import { componentRef } from './openapi.js';
import { queryString } from './query.js';
import { httpError, jobStatusEvent } from './schemas.js';
import { eventResponse } from './serialize.js';

const CURSOR_DESCRIPTION =
  'An event’s `id:` (its cursor): the stream replays every change after it, even of a deleted job.';

/**
 * OpenAPI 3.1 cannot type the `data:` of each server-sent event (3.2's `itemSchema` wraps it in an
 * envelope schema), so `x-events` maps each event name to its data's schema, which also keeps those
 * components in the document.
 */
const eventStream = (events: Record<string, z.ZodType>) => ({
  'text/event-stream': {
    schema: { type: 'string' as const },
    'x-events': Object.fromEntries(
      Object.entries(events).map(([name, schema]) => [name, componentRef(schema, 'output')]),
    ),
  },
});

const streamJobEvents = createRoute({
  ...operation(
    'get',
    '/workspaces/{workspace}/jobs/{name}/events',
    'Stream Job Events',
    'Stream a job’s status changes as server-sent events: first its current status (with a cursor, ' +
      'every change after it), then each change as it happens, until a terminal status ends the stream.',
    'jobs.read',
  ),
  request: {
    params: jobPath,
    query: z.object({ after: queryString(z.string()).optional().describe(CURSOR_DESCRIPTION) }),
    headers: z.object({
      'Last-Event-ID': z
        .string()
        .optional()
        .describe(
          `${CURSOR_DESCRIPTION} An \`EventSource\` sends it when it reconnects; it wins over \`after\`.`,
        ),
    }),
  },
  responses: {
    200: {
      description:
        'Server-sent events. Each `status` event’s `id:` is its cursor and its `data:` is a ' +
        '`JobStatusEvent` as JSON. A stream that fails ends with an `error` event whose `data:` is an ' +
        '`HTTPError`. A quiet stream gets a `: keep-alive` comment now and then.',
      content: eventStream({ status: jobStatusEvent, error: httpError }),
    },
    204: {
      description:
        'The job has finished and nothing follows the cursor: an `EventSource` stops reconnecting.',
    },
    ...notFound(),
    ...answer(422, 'Not a cursor of this stream', httpError),
  },
});

export interface JobEventStreamOptions {
  /** A `: keep-alive` comment this often, so proxies do not close a quiet stream (ms). */
  heartbeatMs?: number;
}

export function jobEventRoutes(
  feed: StatusEventFeed,
  jobs: JobsService,
  { heartbeatMs = 15_000 }: JobEventStreamOptions = {},
): OpenAPIHono<AccessEnv> {
  const app = operationsRouter();

  app.openapi(streamJobEvents, async (c) => {
    const { workspace, name } = c.req.valid('param');
    // A reconnecting EventSource repeats the URL (and its `after`) and adds the newer Last-Event-ID.
    const cursorText = c.req.valid('header')['Last-Event-ID'] || c.req.valid('query').after;
    const from = cursorText ? decodeCursor(cursorText) : undefined;
    const opened = await openJobStream(jobs, feed, { workspace, name, after: from });
    if (opened.kind === 'not-found') throw new JobNotFoundError(workspace, name);
    // Nothing will ever follow: 204 is how SSE tells an EventSource to stop reconnecting.
    if (opened.kind === 'ended') return c.body(null, 204);
    // A caller who loses the right to read (a role removed, the token expired) is told, and the stream ends.
    const events = c.var.caller.whileAllowedToRead(workspace, opened.events);

    return streamSSE(c, async (stream) => {
      stream.onAbort(() => void events.return?.());
      const heartbeat = setInterval(() => void stream.write(': keep-alive\n\n'), heartbeatMs);
      try {
        for await (const event of events) {
          if (event instanceof AccessEnded) {
            await stream.writeSSE({ event: 'error', data: JSON.stringify({ detail: event.error.message }) });
            break;
          }
          await writeStatus(stream, event);
        }
      } catch (error) {
        const expected = error instanceof SlowSubscriberError ? error : databaseUnavailable(error);
        if (!expected) restLog(c).error({ err: error }, 'Job event stream failed');
        const detail = expected ? expected.message : 'Internal Server Error';
        await stream.writeSSE({ event: 'error', data: JSON.stringify({ detail }) });
      } finally {
        clearInterval(heartbeat);
        await events.return?.();
      }
    });
  });

  return app;
}

function writeStatus(stream: SSEStreamingApi, event: StatusEvent) {
  return stream.writeSSE({ id: event.cursor, event: 'status', data: JSON.stringify(eventResponse(event)) });
}
