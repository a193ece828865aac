/**
 * A job's results (`…/jobs/{job}/results`): listed, read and downloaded by anyone who may read the
 * job; created by whoever runs it (the access of a step status report). A result is created either
 * as upstream does, with a JSON body pointing at an artifact stored elsewhere, or by uploading the
 * file itself as the body (any other media type), stored by the gateway up to `JOB_RESULT_MAX_BYTES`.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { JobResults, RESULT_SORT_VALUES } from '../jobs/results.js';
import { resourceName, resultReference } from '../jobs/spec.js';
import type { AccessEnv } from './access.js';
import { requireJsonBody } from './body.js';
import { componentRef } from './openapi.js';
import {
  answer,
  conflict,
  invalidQuery,
  jobPath,
  notFound,
  ok,
  operation,
  operationsRouter,
  workspacePath,
} from './operations.js';
import { queryString } from './query.js';
import { httpError, httpValidationError, platformJobResult, resultList } from './schemas.js';
import { resultResponse } from './serialize.js';
import { parseOr422 } from './validation.js';

const resultPath = workspacePath.extend({
  job: z.string().describe('The job’s name'),
  name: z.string().describe('The result’s name'),
});

const isJson = (contentType: string) => /^application\/([\w.+-]*\+)?json\b/i.test(contentType);

const listResults = createRoute({
  ...operation(
    'get',
    '/workspaces/{workspace}/jobs/{name}/results',
    'List Job Results',
    'List the results of a job.',
    'jobs.read',
  ),
  request: {
    params: jobPath,
    query: z.object({
      sort: queryString(z.enum(RESULT_SORT_VALUES))
        .default('-created_at')
        .describe('The field to sort by; a leading `-` sorts descending.'),
    }),
  },
  responses: { ...ok(resultList), ...notFound(), ...invalidQuery },
});

const getResult = createRoute({
  ...operation(
    'get',
    '/workspaces/{workspace}/jobs/{job}/results/{name}',
    'Get Job Result',
    'Get one result of a job.',
    'jobs.read',
  ),
  request: { params: resultPath },
  responses: { ...ok(platformJobResult), ...notFound('Job or result') },
});

const createResult = createRoute({
  ...operation(
    'post',
    '/workspaces/{workspace}/jobs/{job}/results/{name}',
    'Create Job Result',
    'Create a result of a job: with a JSON body, one that points at an artifact stored elsewhere; with any other ' +
      'media type, the body is the file itself, stored by the gateway (up to `JOB_RESULT_MAX_BYTES`, 100 MiB ' +
      'unless configured) and served by the download operation.',
    'steps.report',
  ),
  request: {
    // A result's name becomes a file name and part of paths: the rule of job and step names.
    params: resultPath.extend({ name: resourceName.describe('The result’s name') }),
    body: {
      required: true,
      content: {
        'application/json': { schema: componentRef(resultReference, 'input') },
        'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
      },
    },
  },
  responses: {
    ...answer(201, 'Successful Response', platformJobResult),
    ...notFound(),
    ...conflict('A result of that name already exists'),
    ...answer(413, 'The file is larger than the limit', httpError),
    ...answer(422, 'Validation Error', httpValidationError),
  },
});

const downloadResult = createRoute({
  ...operation(
    'get',
    '/workspaces/{workspace}/jobs/{job}/results/{name}/download',
    'Download Job Result',
    'Download the file of a result stored by the gateway, streamed, with its size and media type.',
    'jobs.read',
  ),
  request: { params: resultPath },
  responses: {
    200: {
      description: 'Successful Response',
      content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    },
    ...notFound('Job, result or file'),
  },
});

/**
 * Whether a request uploads a result's file, whose body only its route reads, under a limit of its
 * own; a JSON body there is a small document under the limit of every JSON body.
 */
export const isResultUpload = (method: string, path: string, contentType: string | undefined) =>
  method === 'POST' && /\/jobs\/[^/]+\/results\/[^/]+$/.test(path) && !isJson(contentType ?? '');

export function resultRoutes(results: JobResults): OpenAPIHono<AccessEnv> {
  const app = operationsRouter();

  app.openapi(listResults, async (c) => {
    const { workspace, name } = c.req.valid('param');
    const rows = await results.list(workspace, name, c.req.valid('query').sort);
    return c.json({ data: rows.map(resultResponse) }, 200);
  });

  app.openapi(getResult, async (c) => {
    const { workspace, job, name } = c.req.valid('param');
    return c.json(resultResponse(await results.get(workspace, job, name)), 200);
  });

  app.openapi(createResult, async (c) => {
    const { workspace, job, name } = c.req.valid('param');
    const contentType = c.req.header('content-type') ?? 'application/octet-stream';
    if (isJson(contentType)) {
      const reference = parseOr422(resultReference, await requireJsonBody(c), 'body');
      return c.json(resultResponse(await results.createReference(workspace, job, name, reference)), 201);
    }
    const declared = Number(c.req.header('content-length'));
    if (declared > results.maxBytes) {
      // The unread body is still on the socket: close it rather than reuse it.
      return c.json(
        { detail: `The result is larger than ${results.maxBytes} bytes (JOB_RESULT_MAX_BYTES).` },
        413,
        {
          connection: 'close',
        },
      );
    }
    const result = await results.upload(workspace, job, name, c.req.raw.body, contentType);
    return c.json(resultResponse(result), 201);
  });

  app.openapi(downloadResult, async (c) => {
    const { workspace, job, name } = c.req.valid('param');
    const file = await results.file(workspace, job, name);
    return c.body(JobResults.stream(file), 200, {
      'content-type': file.result.contentType ?? 'application/octet-stream',
      'content-length': String(file.size),
      'content-disposition': `attachment; filename="${file.result.name}"`,
      // Sent as stored, never compressed on the way: its length is the file's, as the header says.
      'cache-control': 'no-transform',
      // A browser saves it and never runs it as a page of this origin, whatever its media type.
      'x-content-type-options': 'nosniff',
    });
  });

  return app;
}
