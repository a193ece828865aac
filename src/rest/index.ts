/**
 * The REST door: the upstream jobs API under /apis/jobs/v2, workspace members under
 * /apis/entities/v2 and auth discovery, with their limits, access checks and error format, and their
 * documentation (`/openapi.json`, `/docs`), generated from the routes themselves.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import type { AccessControl } from '../access/index.js';
import type { StatusEventFeed } from '../events/feed.js';
import type { JobsService } from '../jobs/service.js';
import { authenticate, type AccessEnv } from './access.js';
import { restBodyLimit } from './body.js';
import { AUTH_API_ROOT, discoveryRoutes } from './discovery.js';
import { recordRoute } from '../observability/rest-route.js';
import { restError } from './errors.js';
import { jobEventRoutes } from './events.js';
import { jobRoutes } from './jobs.js';
import { isResultUpload, resultRoutes } from './results.js';
import { taskRoutes } from './tasks.js';
import type { JobResults } from '../jobs/results.js';
import type { JobTasks } from '../jobs/tasks.js';
import { jobLogRoutes } from './logs.js';
import { ENTITIES_API_ROOT, memberRoutes } from './members.js';
import { openApiDocument } from './openapi.js';
import { JOBS_API_ROOT } from './operations.js';
import { referencePage } from './reference-page.js';

export { AUTH_API_ROOT, ENTITIES_API_ROOT, JOBS_API_ROOT };

/** The page loads nothing from anywhere: no script, only its own inline style. */
const DOCS_POLICY = { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" };

/** What the jobs API serves besides jobs themselves: the tasks of their steps and their results. */
export interface JobArtifacts {
  tasks: JobTasks;
  results: JobResults;
}

export function restApp(
  jobs: JobsService,
  feed: StatusEventFeed,
  access: AccessControl,
  { tasks, results }: JobArtifacts,
): OpenAPIHono<AccessEnv> {
  const app = new OpenAPIHono<AccessEnv>();
  app.use('*', recordRoute);
  // A result upload streams its file to disk under a limit of its own (results.ts).
  app.use(
    '*',
    createMiddleware<AccessEnv>((c, next) =>
      isResultUpload(c.req.method, c.req.path, c.req.header('content-type'))
        ? next()
        : restBodyLimit(c, next),
    ),
  );

  // Every request to a secured API names its caller; each route then authorizes its operation.
  for (const root of [JOBS_API_ROOT, ENTITIES_API_ROOT]) app.use(`${root}/*`, authenticate(access));

  app.route(JOBS_API_ROOT, jobRoutes(jobs, tasks));
  app.route(JOBS_API_ROOT, taskRoutes(tasks));
  app.route(JOBS_API_ROOT, resultRoutes(results));
  app.route(JOBS_API_ROOT, jobEventRoutes(feed, jobs));
  app.route(JOBS_API_ROOT, jobLogRoutes(jobs));
  app.route(ENTITIES_API_ROOT, memberRoutes(access));
  app.route(AUTH_API_ROOT, discoveryRoutes(access));

  const document = openApiDocument(app);
  const page = referencePage(document);
  app.get('/openapi.json', (c) => c.json(document));
  app.get('/docs', (c) => c.html(page, 200, DOCS_POLICY));

  app.notFound((c) => c.json({ detail: 'Not Found' }, 404));
  app.onError((error, c) => restError(error, c));
  return app;
}
