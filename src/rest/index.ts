/** The REST door: the upstream API under /apis/jobs/v2, with its limits and error format. */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { JobsService } from '../jobs/service.js';
import { restError } from './errors.js';
import { jobRoutes } from './jobs.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export function restApp(jobs: JobsService): Hono {
  const app = new Hono();
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      // The unread rest of the body is still on the socket: close it rather than reuse it.
      onError: (c) =>
        c.json({ detail: `Request body is larger than ${MAX_BODY_BYTES} bytes.` }, 413, { connection: 'close' }),
    }),
  );
  app.route('/apis/jobs/v2', jobRoutes(jobs));
  app.notFound((c) => c.json({ detail: 'Not Found' }, 404));
  app.onError((error, c) => restError(error, c));
  return app;
}
