/**
 * The NeMo Platform Jobs API v2 routes. Each route is one object: its method, path, parameters,
 * body and answers, from which it is both checked and documented. Handlers are thin: take the
 * checked request, call the jobs service, shape the answer. Errors are translated in errors.ts.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { operationsToCreate } from '../access/index.js';
import { ALL_WORKSPACES, type AccessEnv } from './access.js';
import { JOB_FILTER_FIELDS } from '../jobs/job-query.js';
import { actionTable, type JobAction } from '../jobs/lifecycle.js';
import type { JobsService } from '../jobs/service.js';
import { createJobRequest, stepStatusUpdate } from '../jobs/spec.js';
import {
  STEP_FILTER_FIELDS,
  jobListQuery,
  pagination,
  parseFilter,
  parseSort,
  stepListQuery,
} from './list-query.js';
import {
  answer,
  bodyErrors,
  conflict,
  ignoredBody,
  invalidQuery,
  jobPath,
  jsonBody,
  notFound,
  ok,
  operation,
  operationsRouter,
  unknownFilter,
  workspacePath,
} from './operations.js';
import {
  executionProfileList,
  httpError,
  httpValidationError,
  jobListResponse,
  jobStatusTree,
  platformJobResponse,
  stepListResponse,
  stepResponse as stepResponseSchema,
} from './schemas.js';
import { jobResponse, statusTree, stepResponse } from './serialize.js';

/** `-` in a path segment means "all" on the controller routes. */
const orAll = (segment: string) => (segment === ALL_WORKSPACES ? undefined : segment);

/**
 * The workspaces a listing covers: the path's, or for `-` those the caller may read (authorized
 * before the handler ran); undefined means every workspace.
 */
const workspacesOf = (
  workspace: string,
  { readableWorkspaces }: AccessEnv['Variables'],
): string | readonly string[] | undefined =>
  workspace !== ALL_WORKSPACES
    ? workspace
    : readableWorkspaces === 'all'
      ? undefined
      : (readableWorkspaces ?? []);

const listExecutionProfiles = createRoute({
  ...operation(
    'get',
    '/execution-profiles',
    'List Execution Profiles',
    'List the execution profiles (provider and profile) this gateway can run steps on.',
    'jobs.read',
  ),
  // Documented even when empty, as every other operation's.
  parameters: [],
  responses: ok(executionProfileList),
});

const createJobBody = jsonBody(createJobRequest);
const createJob = createRoute({
  ...operation(
    'post',
    '/workspaces/{workspace}/jobs',
    'Create Job',
    'Create a platform job. With access control on, a job with a `subprocess` step can only be created by a ' +
      'PlatformAdmin: its commands run on the gateway’s host.',
    'jobs.create',
    createJobBody,
  ),
  request: { params: workspacePath, body: createJobBody.body },
  responses: {
    ...answer(201, 'Successful Response', platformJobResponse),
    ...conflict('A job of that name already exists in the workspace'),
    // A profile that is not configured is a sentence, not a schema error.
    ...bodyErrors([httpValidationError, httpError]),
  },
});

const listJobs = createRoute({
  ...operation(
    'get',
    '/workspaces/{workspace}/jobs',
    'List Jobs',
    'List the platform jobs of a workspace, a page at a time; `-` as the workspace means every workspace ' +
      'the caller may read.',
    { across: 'jobs.read' },
  ),
  request: {
    params: z.object({ workspace: z.string().describe('Workspace identifier, or `-` for all') }),
    query: jobListQuery,
  },
  responses: { ...ok(jobListResponse), ...unknownFilter, ...invalidQuery },
});

const getJob = createRoute({
  ...operation('get', '/workspaces/{workspace}/jobs/{name}', 'Get Job', 'Get a platform job.', 'jobs.read'),
  request: { params: jobPath },
  responses: { ...ok(platformJobResponse), ...notFound() },
});

const deleteJob = createRoute({
  ...operation(
    'delete',
    '/workspaces/{workspace}/jobs/{name}',
    'Delete Job',
    'Delete a platform job that has finished (completed, error or cancelled).',
    'jobs.delete',
  ),
  request: { params: jobPath },
  responses: {
    204: { description: 'Successful Response' },
    ...notFound(),
    ...conflict('The job has not finished'),
  },
});

/** A 409 is documented where the lifecycle table can answer one (cancel never does). */
const canConflict = (action: JobAction) =>
  Object.values(actionTable[action]).some((o) => o.kind === 'conflict');

const actionRoute = (action: 'pause' | 'resume' | 'cancel', summary: string, description: string) =>
  createRoute({
    ...operation(
      'post',
      `/workspaces/{workspace}/jobs/{name}/${action}`,
      summary,
      description,
      'jobs.control',
      ignoredBody,
    ),
    request: { params: jobPath, body: ignoredBody.body },
    responses: {
      ...ok(platformJobResponse),
      ...notFound(),
      ...(canConflict(action)
        ? conflict('The job’s status does not allow it; the detail names the status')
        : {}),
      ...bodyErrors(),
    },
  });

const actions = [
  { action: 'pause', route: actionRoute('pause', 'Pause Job', 'Pause a platform job.') },
  { action: 'resume', route: actionRoute('resume', 'Resume Job', 'Resume a paused platform job.') },
  { action: 'cancel', route: actionRoute('cancel', 'Cancel Job', 'Cancel a platform job.') },
] as const;

const getJobStatus = createRoute({
  ...operation(
    'get',
    '/workspaces/{workspace}/jobs/{name}/status',
    'Get Job Status',
    'Get the status of a platform job and of each of its steps.',
    'jobs.read',
  ),
  request: { params: jobPath },
  responses: { ...ok(jobStatusTree), ...notFound() },
});

const listJobSteps = createRoute({
  ...operation(
    'get',
    '/workspaces/{workspace}/jobs/{name}/steps',
    'List Job Steps',
    'List job steps for executors and controllers, oldest job first; `-` as the job name means all, and as ' +
      'the workspace every workspace the caller may read.',
    { across: 'jobs.read' },
  ),
  request: {
    params: z.object({
      workspace: z.string().describe('Workspace identifier, or `-` for all'),
      name: z.string().describe('The job’s name, or `-` for all'),
    }),
    query: stepListQuery,
  },
  responses: { ...ok(stepListResponse), ...unknownFilter, ...invalidQuery },
});

const stepStatusBody = jsonBody(stepStatusUpdate);
const updateStepStatus = createRoute({
  ...operation(
    'patch',
    '/workspaces/{workspace}/jobs/{job}/steps/{name}/status',
    'Update Job Step Status',
    'Report the status of a step (for executors and controllers); the job follows its steps.',
    'steps.report',
    stepStatusBody,
  ),
  request: {
    params: workspacePath.extend({
      job: z.string().describe('The job’s name'),
      name: z.string().describe('The step’s name'),
    }),
    body: stepStatusBody.body,
  },
  responses: {
    ...ok(stepResponseSchema),
    ...notFound('Job or step'),
    ...conflict('The step cannot move from its status to the one given'),
    ...bodyErrors(),
  },
});

export function jobRoutes(jobs: JobsService): OpenAPIHono<AccessEnv> {
  const app = operationsRouter();

  app.openapi(listExecutionProfiles, (c) => c.json(jobs.profiles, 200));

  app.openapi(createJob, async (c) => {
    const { workspace } = c.req.valid('param');
    const { caller, body } = c.var;
    // The route's own check was jobs.create; a step running on the gateway's host needs more.
    for (const operation of operationsToCreate(body.platform_spec.steps)) {
      await caller.authorize(workspace, operation);
    }
    const job = await jobs.create(workspace, body, caller.actor);
    return c.json(jobResponse(job), 201);
  });

  app.openapi(listJobs, async (c) => {
    const query = c.req.valid('query');
    const { filter, echo } = parseFilter(query, JOB_FILTER_FIELDS);
    const { jobs: page, total } = await jobs.list(workspacesOf(c.req.valid('param').workspace, c.var), {
      filter,
      sort: parseSort(query.sort),
      limit: query.page_size,
      offset: (query.page - 1) * query.page_size,
    });
    return c.json(
      {
        data: page.map(jobResponse),
        pagination: pagination(query.page, query.page_size, page.length, total),
        sort: query.sort,
        ...(Object.keys(echo).length > 0 ? { filter: echo } : {}),
      },
      200,
    );
  });

  app.openapi(getJob, async (c) => {
    const { workspace, name } = c.req.valid('param');
    return c.json(jobResponse(await jobs.get(workspace, name)), 200);
  });

  app.openapi(deleteJob, async (c) => {
    const { workspace, name } = c.req.valid('param');
    await jobs.delete(workspace, name);
    return c.body(null, 204);
  });

  for (const { action, route } of actions) {
    app.openapi(route, async (c) => {
      const { workspace, name } = c.req.valid('param');
      // The routes of this loop differ in type, so `c` is not narrowed to AccessEnv by itself.
      const { caller } = c.var as AccessEnv['Variables'];
      return c.json(jobResponse(await jobs[action](workspace, name, caller.actor)), 200);
    });
  }

  app.openapi(getJobStatus, async (c) => {
    const { workspace, name } = c.req.valid('param');
    return c.json(statusTree(await jobs.get(workspace, name)), 200);
  });

  app.openapi(listJobSteps, async (c) => {
    const { workspace, name } = c.req.valid('param');
    const query = c.req.valid('query');
    const { filter, echo } = parseFilter(query, STEP_FILTER_FIELDS);
    const { rows, total } = await jobs.listSteps({
      workspace: workspacesOf(workspace, c.var),
      jobName: orAll(name),
      status: filter.status,
      limit: query.page_size,
      offset: (query.page - 1) * query.page_size,
    });
    return c.json(
      {
        data: rows.map(({ step, job }) => stepResponse(step, job)),
        pagination: pagination(query.page, query.page_size, rows.length, total),
        ...(Object.keys(echo).length > 0 ? { filter: echo } : {}),
      },
      200,
    );
  });

  app.openapi(updateStepStatus, async (c) => {
    const { workspace, job: jobName, name } = c.req.valid('param');
    const step = await jobs.updateStepStatus(workspace, jobName, name, c.var.body, {
      actor: c.var.caller.actor,
    });
    return c.json(stepResponse(step, { workspace, name: jobName }), 200);
  });

  return app;
}
