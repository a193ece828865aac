/**
 * The tasks of a step (`…/jobs/{job}/steps/{step}/tasks`): listed and read by anyone who may read
 * the job, reported by whoever runs the step (the access of a step status report).
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { resourceName, taskUpdate } from '../jobs/spec.js';
import type { JobTasks } from '../jobs/tasks.js';
import type { AccessEnv } from './access.js';
import {
  bodyErrors,
  jsonBody,
  notFound,
  ok,
  operation,
  operationsRouter,
  stepPath,
  workspacePath,
} from './operations.js';
import { platformJobTask, taskList } from './schemas.js';
import { taskResponse } from './serialize.js';

const taskPath = workspacePath.extend({
  job: z.string().describe('The job’s name'),
  step: z.string().describe('The step’s name'),
  name: z.string().describe('The task’s name'),
});

const listTasks = createRoute({
  ...operation(
    'get',
    '/workspaces/{workspace}/jobs/{job}/steps/{name}/tasks',
    'List Job Step Tasks',
    'List the tasks of a step, in the order they were first reported.',
    'jobs.read',
  ),
  request: { params: stepPath },
  responses: { ...ok(taskList), ...notFound('Job or step') },
});

const getTask = createRoute({
  ...operation(
    'get',
    '/workspaces/{workspace}/jobs/{job}/steps/{step}/tasks/{name}',
    'Get Job Step Task',
    'Get one task of a step.',
    'jobs.read',
  ),
  request: { params: taskPath },
  responses: { ...ok(platformJobTask), ...notFound('Job, step or task') },
});

const taskBody = jsonBody(taskUpdate);
const updateTask = createRoute({
  ...operation(
    'put',
    '/workspaces/{workspace}/jobs/{job}/steps/{step}/tasks/{name}',
    'Update Job Step Task',
    'Report a task of a step (for executors and controllers): creates it, or replaces what was reported of it. ' +
      'A task may take any status; the step’s own status report is what moves the job.',
    'steps.report',
    taskBody,
  ),
  request: {
    // A task's name becomes part of paths and logs: the rule of job and step names.
    params: taskPath.extend({ name: resourceName.describe('The task’s name') }),
    body: taskBody.body,
  },
  responses: { ...ok(platformJobTask), ...notFound('Job or step'), ...bodyErrors() },
});

export function taskRoutes(tasks: JobTasks): OpenAPIHono<AccessEnv> {
  const app = operationsRouter();

  app.openapi(listTasks, async (c) => {
    const { workspace, job, name } = c.req.valid('param');
    const rows = await tasks.list(workspace, job, name);
    return c.json({ data: rows.map((task) => taskResponse(task, workspace)) }, 200);
  });

  app.openapi(getTask, async (c) => {
    const { workspace, job, step, name } = c.req.valid('param');
    return c.json(taskResponse(await tasks.get(workspace, job, step, name), workspace), 200);
  });

  app.openapi(updateTask, async (c) => {
    const { workspace, job, step, name } = c.req.valid('param');
    const task = await tasks.put(workspace, job, step, name, c.var.body, c.var.caller.actor);
    return c.json(taskResponse(task, workspace), 200);
  });

  return app;
}
