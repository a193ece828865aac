/**
 * The NeMo Platform Jobs API v2 routes. Thin: parse the request with the shared schemas, call the
 * jobs service, shape the answer. Errors are translated in errors.ts.
 */
import { Hono } from 'hono';
import type { JobsService } from '../jobs/service.js';
import { createJobRequest, stepStatusUpdate } from '../jobs/spec.js';
import { readJsonBody, requireJsonBody } from './body.js';
import { jobListQuery, pageQuery, pagination, parseFilter, parsePaging, parseSort } from './list-query.js';
import { jobResponse, statusTree, stepResponse } from './serialize.js';
import { parseOr422 } from './validation.js';

/** `-` in a path segment means "all" on the controller routes. */
const orAll = (segment: string) => (segment === '-' ? undefined : segment);

export function jobRoutes(jobs: JobsService): Hono {
  const app = new Hono();

  app.get('/execution-profiles', (c) => c.json(jobs.profiles));

  app.post('/workspaces/:workspace/jobs', async (c) => {
    const body = parseOr422(createJobRequest, await requireJsonBody(c), 'body');
    const job = await jobs.create(c.req.param('workspace'), body);
    return c.json(jobResponse(job), 201);
  });

  app.get('/workspaces/:workspace/jobs', async (c) => {
    const params = new URL(c.req.url).searchParams;
    const query = parsePaging(jobListQuery, params);
    const { filter, echo } = parseFilter(params);
    const { jobs: page, total } = await jobs.list(c.req.param('workspace'), {
      filter,
      sort: parseSort(query.sort),
      limit: query.page_size,
      offset: (query.page - 1) * query.page_size,
    });
    return c.json({
      data: page.map(jobResponse),
      pagination: pagination(query.page, query.page_size, page.length, total),
      sort: query.sort,
      ...(Object.keys(echo).length > 0 ? { filter: echo } : {}),
    });
  });

  app.get('/workspaces/:workspace/jobs/:name', async (c) => {
    return c.json(jobResponse(await jobs.get(c.req.param('workspace'), c.req.param('name'))));
  });

  app.delete('/workspaces/:workspace/jobs/:name', async (c) => {
    await jobs.delete(c.req.param('workspace'), c.req.param('name'));
    return c.body(null, 204);
  });

  // The seed's clients send `{}`; an empty body and no body are just as good.
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    app.post(`/workspaces/:workspace/jobs/:name/${action}`, async (c) => {
      await readJsonBody(c);
      return c.json(jobResponse(await jobs[action](c.req.param('workspace'), c.req.param('name'))));
    });
  }

  app.get('/workspaces/:workspace/jobs/:name/status', async (c) => {
    return c.json(statusTree(await jobs.get(c.req.param('workspace'), c.req.param('name'))));
  });

  app.get('/workspaces/:workspace/jobs/:name/steps', async (c) => {
    const params = new URL(c.req.url).searchParams;
    const query = parsePaging(pageQuery, params);
    const { filter, echo } = parseFilter(params, ['status']);
    const { rows, total } = await jobs.listSteps({
      workspace: orAll(c.req.param('workspace')),
      jobName: orAll(c.req.param('name')),
      status: filter.status,
      limit: query.page_size,
      offset: (query.page - 1) * query.page_size,
    });
    return c.json({
      data: rows.map(({ step, job }) => stepResponse(step, job)),
      pagination: pagination(query.page, query.page_size, rows.length, total),
      ...(Object.keys(echo).length > 0 ? { filter: echo } : {}),
    });
  });

  app.patch('/workspaces/:workspace/jobs/:job/steps/:name/status', async (c) => {
    const update = parseOr422(stepStatusUpdate, await requireJsonBody(c), 'body');
    const workspace = c.req.param('workspace');
    const jobName = c.req.param('job');
    const step = await jobs.updateStepStatus(workspace, jobName, c.req.param('name'), update);
    return c.json(stepResponse(step, { workspace, name: jobName }));
  });

  return app;
}
