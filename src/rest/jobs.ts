/**
 * The NeMo Platform Jobs API v2 routes. Each route is one object: its method, path, parameters,
 * body and answers, from which it is both checked and documented. Handlers are thin: take the
 * checked request, call the jobs service, shape the answer. Errors are translated in errors.ts.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { operationsToCreate } from '../access/index.js';
import { ALL_WORKSPACES, type AccessEnv } from './access.js';
import { actionTable, type JobAction } from '../jobs/lifecycle.js';
import { StepNotFoundError } from '../jobs/errors.js';
import type { JobsService } from '../jobs/service.js';
import type { JobTasks } from '../jobs/tasks.js';
import { createJobRequest, statusDetailsUpdate, stepStatusUpdate } from '../jobs/spec.js';
import {
  JOB_LIST_FIELDS,
  STEP_FILTER_FIELDS,
  jobListQuery,
  pagination,
  parseFilter,
  parseSort,
  stepListQuery,
  type StepSort,
} from './list-query.js';
import { queryBoolean } from './query.js';
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
  stepPath,
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

/** A listing's workspaces narrowed to those a `filter[workspace]` names; access rules still apply. */
function narrowWorkspaces(
  workspaces: string | readonly string[] | undefined,
  wanted: readonly string[] | undefined,
): string | readonly string[] | undefined {
  if (!wanted) return workspaces;
  if (workspaces === undefined) return wanted;
  if (typeof workspaces === 'string') return wanted.includes(workspaces) ? workspaces : [];
  return workspaces.filter((workspace) => wanted.includes(workspace));
}

const sortOf = (sort: StepSort) => ({
  field: sort.replace(/^-/, '') as 'created_at' | 'updated_at',
  descending: sort.startsWith('-'),
});

/** `?force=true` on cancel and delete: finish the job now, without its runner (Admins only). */
const forceQuery = z.object({
  force: queryBoolean()
    .default(false)
    .describe(
      'Finish the job at once, without waiting for whoever runs its steps: every unfinished step is cancelled ' +
        '(and, on delete, the job then deleted), recording who forced it. For a job whose runner is gone. ' +
        'Needs the Admin role in the workspace (or PlatformAdmin) when access control is on.',
    ),
});

const listExecutionProfiles = createRoute({
  ...operation(
    'get',
    '/execution-profiles',
    'Get Execution Profiles',
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
    'Delete a platform job that has finished (completed, error or cancelled); with `force=true`, in any status.',
    'jobs.delete',
  ),
  request: { params: jobPath, query: forceQuery },
  responses: {
    204: { description: 'Successful Response' },
    ...notFound(),
    ...conflict('The job has not finished'),
    ...invalidQuery,
  },
});

/** A 409 is documented where the lifecycle table can answer one (cancel never does). */
const canConflict = (action: JobAction) =>
  Object.values(actionTable[action]).some((o) => o.kind === 'conflict');

const actionRoute = (action: 'pause' | 'resume', summary: string, description: string) =>
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
] as const;

const cancelJob = createRoute({
  ...operation(
    'post',
    '/workspaces/{workspace}/jobs/{name}/cancel',
    'Cancel Job',
    'Cancel a platform job; with `force=true`, at once.',
    'jobs.control',
    ignoredBody,
  ),
  request: { params: jobPath, query: forceQuery, body: ignoredBody.body },
  responses: { ...ok(platformJobResponse), ...notFound(), ...bodyErrors() },
});

const updateStatusDetailsBody = jsonBody(statusDetailsUpdate);
const updateStatusDetails = createRoute({
  ...operation(
    'patch',
    '/workspaces/{workspace}/jobs/{name}/status-details',
    'Update Job Status Details',
    'Record a controller’s progress on the job: the keys given are merged into its status details; its status ' +
      'does not change.',
    'steps.report',
    updateStatusDetailsBody,
  ),
  request: { params: jobPath, body: updateStatusDetailsBody.body },
  responses: { ...ok(platformJobResponse), ...notFound(), ...bodyErrors() },
});

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
    'List Steps',
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

const getStep = createRoute({
  ...operation(
    'get',
    '/workspaces/{workspace}/jobs/{job}/steps/{name}',
    'Get Job Step',
    'Get one step of a job: its runtime status and its spec.',
    'jobs.read',
  ),
  request: { params: stepPath },
  responses: { ...ok(stepResponseSchema), ...notFound('Job or step') },
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
  request: { params: stepPath, body: stepStatusBody.body },
  responses: {
    ...ok(stepResponseSchema),
    ...notFound('Job or step'),
    ...conflict('The step cannot move from its status to the one given'),
    ...bodyErrors(),
  },
});

export function jobRoutes(jobs: JobsService, tasks: JobTasks): OpenAPIHono<AccessEnv> {
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
    const {
      filter: { workspace: wanted, ...filter },
      echo,
    } = parseFilter(query, JOB_LIST_FIELDS);
    const workspaces = narrowWorkspaces(workspacesOf(c.req.valid('param').workspace, c.var), wanted);
    const { jobs: page, total } = await jobs.list(workspaces, {
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
    const { force } = c.req.valid('query');
    const { caller } = c.var;
    if (force) await caller.authorize(workspace, 'jobs.force');
    await jobs.delete(workspace, name, { force, actor: caller.actor });
    return c.body(null, 204);
  });

  app.openapi(cancelJob, async (c) => {
    const { workspace, name } = c.req.valid('param');
    const { force } = c.req.valid('query');
    const { caller } = c.var as AccessEnv['Variables'];
    if (force) await caller.authorize(workspace, 'jobs.force');
    const job = force
      ? await jobs.forceCancel(workspace, name, caller.actor)
      : await jobs.cancel(workspace, name, caller.actor);
    return c.json(jobResponse(job), 200);
  });

  app.openapi(updateStatusDetails, async (c) => {
    const { workspace, name } = c.req.valid('param');
    return c.json(jobResponse(await jobs.updateStatusDetails(workspace, name, c.var.body)), 200);
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
    const job = await jobs.get(workspace, name);
    const stepTasks = await tasks.ofSteps(job.steps.map((step) => step.id));
    return c.json(statusTree(job, stepTasks), 200);
  });

  app.openapi(listJobSteps, async (c) => {
    const { workspace, name } = c.req.valid('param');
    const query = c.req.valid('query');
    const { filter, echo } = parseFilter(query, STEP_FILTER_FIELDS);
    const { rows, total } = await jobs.listSteps({
      workspace: workspacesOf(workspace, c.var),
      jobName: orAll(name),
      status: filter.status,
      jobs: filter.job,
      sources: filter.source,
      sort: sortOf(query.sort),
      limit: query.page_size,
      offset: (query.page - 1) * query.page_size,
    });
    return c.json(
      {
        data: rows.map(({ step, job }) => stepResponse(step, job)),
        pagination: pagination(query.page, query.page_size, rows.length, total),
        sort: query.sort,
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
    return c.json(stepResponse(step, { workspace, name: jobName, attemptId: step.attemptId }), 200);
  });

  app.openapi(getStep, async (c) => {
    const { workspace, job: jobName, name } = c.req.valid('param');
    const job = await jobs.get(workspace, jobName);
    const step = job.steps.find((s) => s.name === name);
    if (!step) throw new StepNotFoundError(workspace, jobName, name);
    return c.json(stepResponse(step, job), 200);
  });

  return app;
}
