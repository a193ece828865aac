/**
 * The REST door: the upstream API under /apis/jobs/v2, with its limits and error format, and its
 * documentation (`/openapi.json`, `/docs`), generated from the routes themselves.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { AccessControl } from '../access/index.js';
import type { StatusEventFeed } from '../events/feed.js';
import type { JobsService } from '../jobs/service.js';
import { restError } from './errors.js';
import { jobEventRoutes } from './events.js';
import { jobRoutes } from './jobs.js';
import { jobLogRoutes } from './logs.js';
import { openApiDocument } from './openapi.js';
import { JOBS_API_ROOT } from './operations.js';
import { referencePage } from './reference-page.js';

export const MAX_BODY_BYTES = 1024 * 1024;
export { JOBS_API_ROOT };

/** The page loads nothing from anywhere: no script, only its own inline style. */
const DOCS_POLICY = { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" };

export function restApp(jobs: JobsService, feed: StatusEventFeed, _access: AccessControl): OpenAPIHono {
  const app = new OpenAPIHono();
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

  app.route(JOBS_API_ROOT, jobRoutes(jobs));
  app.route(JOBS_API_ROOT, jobEventRoutes(feed, jobs));
  app.route(JOBS_API_ROOT, jobLogRoutes(jobs));

  const document = openApiDocument(app);
  const page = referencePage(document);
  app.get('/openapi.json', (c) => c.json(document));
  app.get('/docs', (c) => c.html(page, 200, DOCS_POLICY));

  app.notFound((c) => c.json({ detail: 'Not Found' }, 404));
  app.onError((error, c) => restError(error, c));
  return app;
}
