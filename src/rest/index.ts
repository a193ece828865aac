/**
 * The REST door: the upstream API under /apis/jobs/v2, with its limits and error format, and its
 * documentation (`/openapi.json`, `/docs`).
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { StatusEventFeed } from '../events/feed.js';
import type { JobsService } from '../jobs/service.js';
import { restError } from './errors.js';
import { jobEventRoutes } from './events.js';
import { jobRoutes } from './jobs.js';
import { jobLogRoutes } from './logs.js';
import { openApiDocument } from './openapi.js';
import { referencePage } from './reference-page.js';

export const MAX_BODY_BYTES = 1024 * 1024;
export const JOBS_API_ROOT = '/apis/jobs/v2';

/** The page loads nothing from anywhere: no script, only its own inline style. */
const DOCS_POLICY = { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" };

export function restApp(jobs: JobsService, feed: StatusEventFeed): Hono {
  const app = new Hono();
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      // The unread rest of the body is still on the socket: close it rather than reuse it.
      onError: (c) =>
        c.json({ detail: `Request body is larger than ${MAX_BODY_BYTES} bytes.` }, 413, {
          connection: 'close',
        }),
    }),
  );

  const document = openApiDocument(JOBS_API_ROOT);
  const page = referencePage(document);
  app.get('/openapi.json', (c) => c.json(document));
  app.get('/docs', (c) => c.html(page, 200, DOCS_POLICY));

  app.route(JOBS_API_ROOT, jobRoutes(jobs));
  app.route(JOBS_API_ROOT, jobEventRoutes(feed, jobs));
  app.route(JOBS_API_ROOT, jobLogRoutes(jobs));
  app.notFound((c) => c.json({ detail: 'Not Found' }, 404));
  app.onError((error, c) => restError(error, c));
  return app;
}
