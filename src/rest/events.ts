/**
 * `GET …/workspaces/{workspace}/jobs/{name}/events`: one job's status changes as server-sent
 * events. First its current state, or with `Last-Event-ID` (or `?after=`) every change after
 * that cursor; then every change live, until a terminal status ends the stream.
 */
import { Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { decodeCursor } from '../events/cursor.js';
import type { StatusEvent, StatusEventFeed } from '../events/feed.js';
import { openJobStream } from '../events/job-stream.js';
import { SlowSubscriberError } from '../events/queue.js';
import { JobNotFoundError } from '../jobs/errors.js';
import type { JobsService } from '../jobs/service.js';
import { eventResponse } from './serialize.js';

export interface JobEventStreamOptions {
  /** A `: keep-alive` comment this often, so proxies do not close a quiet stream (ms). */
  heartbeatMs?: number;
}

export function jobEventRoutes(
  feed: StatusEventFeed,
  jobs: JobsService,
  { heartbeatMs = 15_000 }: JobEventStreamOptions = {},
): Hono {
  const app = new Hono();

  app.get('/workspaces/:workspace/jobs/:name/events', async (c) => {
    const workspace = c.req.param('workspace');
    const name = c.req.param('name');
    // A reconnecting EventSource repeats the URL (and its `after`) and adds the newer Last-Event-ID.
    const cursorText = c.req.header('last-event-id') || c.req.query('after');
    const from = cursorText ? decodeCursor(cursorText) : undefined;
    const opened = await openJobStream(jobs, feed, { workspace, name, after: from });
    if (opened.kind === 'not-found') throw new JobNotFoundError(workspace, name);
    // Nothing will ever follow: 204 is how SSE tells an EventSource to stop reconnecting.
    if (opened.kind === 'ended') return c.body(null, 204);
    const { events } = opened;

    return streamSSE(c, async (stream) => {
      stream.onAbort(() => void events.return?.());
      const heartbeat = setInterval(() => void stream.write(': keep-alive\n\n'), heartbeatMs);
      try {
        for await (const event of events) await writeStatus(stream, event);
      } catch (error) {
        if (!(error instanceof SlowSubscriberError)) console.error('Job event stream failed:', error);
        const detail = error instanceof SlowSubscriberError ? error.message : 'Internal Server Error';
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
