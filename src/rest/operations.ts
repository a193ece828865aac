/**
 * What the operations of the REST door share: their router, their tag and upstream-style
 * operationId, who may call them, their path parameters, the answers they document, and JSON request bodies, read as
 * FastAPI reads them and checked with the body's schema before the handler runs.
 */
import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { MAX_WORKSPACE_NAME_LENGTH } from '../support/request-limits.js';
import { authorizes, BEARER_SCHEME, type AccessEnv, type RouteAccess } from './access.js';
import { readJsonBody, requireJsonBody } from './body.js';
import { componentRef } from './openapi.js';
import { httpError, httpValidationError } from './schemas.js';
import { parseOr422, rejectInvalidRequest } from './validation.js';

export const JOBS_API_ROOT = '/apis/jobs/v2';

/**
 * A router for operations under an API root, its handlers seeing the request's caller; a request
 * part that fails its schema is a 422.
 */
export const operationsRouter = () => new OpenAPIHono<AccessEnv>({ defaultHook: rejectInvalidRequest });

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Upstream's operationIds, as FastAPI makes them: the handler's name, then the full path and the
 * method, every character that is not a letter, digit or `_` made `_`:
 * `pause_job_apis_jobs_v2_workspaces__workspace__jobs__name__pause_post`. Generated SDKs and docs
 * key on them. The handler's name is upstream's, which is its summary in snake_case unless the
 * operation names it apart from its summary.
 */
export const operationId = (handler: string, fullPath: string, method: Method) =>
  `${handler}${fullPath}_${method}`.replace(/\W/g, '_');

/** An operation's summary, and its upstream handler's name when that is not the summary's. */
export type OperationName = string | { summary: string; handler: string };

const handlerOf = (name: OperationName) =>
  typeof name === 'string' ? name.toLowerCase().replaceAll(' ', '_') : name.handler;

/** Authorization first, then the body's own middleware: a refused caller's body is never read. */
function routeMiddleware(access: RouteAccess, then?: MiddlewareHandler): MiddlewareHandler | undefined {
  if (access === 'public') return then;
  const authorization = authorizes(access);
  if (!then) return authorization;
  return createMiddleware<AccessEnv>(async (c, next) =>
    authorization(c, async () => {
      await then(c, next);
    }),
  );
}

/**
 * The operations of one API: each one's method, path (relative to the API root), the words that
 * name it in the document, what it does for authorization (access.ts), and the middleware of its
 * request body, if it reads one.
 */
export const apiOperations =
  (root: string, tag: string) =>
  <
    M extends Method,
    P extends string,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- body middlewares of any env
    B extends { middleware: MiddlewareHandler<any> } | undefined = undefined,
  >(
    method: M,
    path: P,
    name: OperationName,
    description: string,
    access: RouteAccess,
    body?: B,
  ) => ({
    method,
    path,
    summary: typeof name === 'string' ? name : name.summary,
    description,
    operationId: operationId(handlerOf(name), root + path, method),
    tags: [tag],
    ...(access === 'public' ? {} : { security: [{ [BEARER_SCHEME]: [] }] }),
    middleware: routeMiddleware(access, body?.middleware) as B extends { middleware: infer H }
      ? H
      : MiddlewareHandler<AccessEnv>,
  });

/** An operation of the jobs API. */
export const operation = apiOperations(JOBS_API_ROOT, 'jobs');

export const workspacePath = z.object({
  workspace: z.string().max(MAX_WORKSPACE_NAME_LENGTH).describe('Workspace identifier'),
});
export const jobPath = workspacePath.extend({ name: z.string().describe('The job’s name') });
/** A step's path: upstream names the job `job` there, and the step `name`. */
export const stepPath = workspacePath.extend({
  job: z.string().describe('The job’s name'),
  name: z.string().describe('The step’s name'),
});

// ---------------------------------------------------------------------------------------------
// Answers.

type Responses = RouteConfig['responses'];

const jsonContent = (schema: z.ZodType | z.ZodType[]) => ({
  'application/json': {
    schema: Array.isArray(schema)
      ? { anyOf: schema.map((s) => componentRef(s, 'output')) }
      : componentRef(schema, 'output'),
  },
});

/** An answer whose JSON body is `schema`'s component; several mean any of them. */
export const answer = (status: number, description: string, schema: z.ZodType | z.ZodType[]): Responses => ({
  [status]: { description, content: jsonContent(schema) },
});

export const ok = (schema: z.ZodType) => answer(200, 'Successful Response', schema);
export const notFound = (what = 'Job') => answer(404, `${what} not Found`, httpError);
export const unknownFilter = answer(400, 'Unknown filter field', httpError);
export const invalidQuery = answer(422, 'Validation Error', httpValidationError);

/** The upstream SDK retries a 409 unless told not to; errors.ts sends this header with every 409. */
export const conflict = (description: string): Responses => ({
  409: {
    description,
    headers: {
      'x-should-retry': {
        description: 'Always `false`: a conflict will not go away by retrying.',
        schema: { type: 'string', const: 'false' },
      },
    },
    content: jsonContent(httpError),
  },
});

/** What any route that reads a JSON body can answer about the body itself. */
export const bodyErrors = (validation: z.ZodType | z.ZodType[] = httpValidationError): Responses => ({
  ...answer(413, 'Request body too large', httpError),
  ...answer(415, 'Body is not JSON', httpError),
  ...answer(422, 'Validation Error', validation),
});

// ---------------------------------------------------------------------------------------------
// Request bodies: a route takes `middleware` and `request.body` from one of these.

/** A JSON body the route requires, checked with `schema`; the handler finds it in `c.var.body`. */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return {
    middleware: createMiddleware<{ Variables: { body: z.output<S> } }>(async (c, next) => {
      c.set('body', parseOr422(schema, await requireJsonBody(c), 'body'));
      await next();
    }),
    body: { required: true, content: { 'application/json': { schema: componentRef(schema, 'input') } } },
  };
}

/** The SDK sends `{}` to the action routes; the body is read, so it must be JSON, and ignored. */
export const ignoredBody = {
  middleware: createMiddleware(async (c, next) => {
    await readJsonBody(c);
    await next();
  }),
  body: {
    required: false,
    description: 'Ignored. Clients send `{}`; an empty body or none works as well.',
    content: { 'application/json': { schema: {} } },
  },
};
