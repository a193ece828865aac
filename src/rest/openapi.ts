/**
 * The OpenAPI 3.1 document of the REST door, generated from the zod schemas that validate the
 * requests (../jobs/spec.ts) and type the responses (./schemas.ts) with zod's own
 * `z.toJSONSchema`: one source of truth for shapes, no hand-kept copy.
 */
import { z } from 'zod';
import { JOB_STATUSES, actionTable, type JobAction } from '../jobs/lifecycle.js';
import { createJobRequest, stepStatusUpdate } from '../jobs/spec.js';
import { jobListQuery, pageQuery } from './list-query.js';
import { logQuery } from './logs.js';
import {
  components,
  executionProfileList,
  httpError,
  httpValidationError,
  jobListResponse,
  jobLogPage,
  jobStatusEvent,
  jobStatusTree,
  platformJobResponse,
  stepListResponse,
  stepResponse,
} from './schemas.js';

type JsonSchema = z.core.JSONSchema.JSONSchema;
type Io = 'input' | 'output';
type Method = 'get' | 'post' | 'patch' | 'delete';

interface ResponseSpec {
  description: string;
  /** The JSON body's schema, a named component; several mean any of them. None: no body. */
  schema?: z.ZodType | z.ZodType[];
  /** Instead of a JSON body, a `text/event-stream`: each event's name and its `data:`'s schema. */
  events?: Record<string, z.ZodType>;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

interface Parameter {
  name: string;
  description: string;
  schema: JsonSchema;
  required?: boolean;
}

interface OperationSpec {
  method: Method;
  /** Relative to the API root, in OpenAPI's template form. */
  path: string;
  summary: string;
  description: string;
  /** A description for each `{parameter}` of the path. */
  pathParameters: Record<string, string>;
  query?: Parameter[];
  header?: Parameter[];
  body?: { required: boolean; description?: string; schema?: z.ZodType };
  responses: Record<number, ResponseSpec>;
}

// ---------------------------------------------------------------------------------------------
// The operations: what each route of ./jobs.ts, ./events.ts and ./logs.ts accepts and answers
// (the NeMo Platform Jobs API v2).

const NO_RETRY_HEADER = {
  'x-should-retry': {
    description: 'Always `false`: a conflict will not go away by retrying.',
    schema: { type: 'string', const: 'false' } satisfies JsonSchema,
  },
};

const ok = (schema: z.ZodType): Record<number, ResponseSpec> => ({
  200: { description: 'Successful Response', schema },
});
const notFound = (what = 'Job'): Record<number, ResponseSpec> => ({
  404: { description: `${what} not Found`, schema: httpError },
});
const conflict = (description: string): Record<number, ResponseSpec> => ({
  409: { description, schema: httpError, headers: NO_RETRY_HEADER },
});
const unknownFilter: Record<number, ResponseSpec> = {
  400: { description: 'Unknown filter field', schema: httpError },
};
const invalidQuery: Record<number, ResponseSpec> = {
  422: { description: 'Validation Error', schema: httpValidationError },
};
/** What any route that reads a JSON body can answer about the body itself. */
const bodyErrors = (
  validation: z.ZodType | z.ZodType[] = httpValidationError,
): Record<number, ResponseSpec> => ({
  413: { description: 'Request body too large', schema: httpError },
  415: { description: 'Body is not JSON', schema: httpError },
  422: { description: 'Validation Error', schema: validation },
});

const CURSOR_DESCRIPTION =
  'An event’s `id:` (its cursor): the stream replays every change after it, even of a deleted job.';

const WORKSPACE = 'Workspace identifier';
const JOB_NAME = 'The job’s name';
const jobPath = { workspace: WORKSPACE, name: JOB_NAME };

/** The SDK sends `{}` to the action routes; the body is read, so it must be JSON, and ignored. */
const ignoredBody = {
  required: false,
  description: 'Ignored. Clients send `{}`; an empty body or none works as well.',
};

const QUERY_DESCRIPTIONS: Record<string, string> = {
  page: 'The page to return, from 1.',
  page_size: 'How many results a page holds.',
  sort: 'The field to sort by; a leading `-` sorts descending.',
  limit: 'How many lines a page holds.',
  page_cursor: 'Where the page starts: the `next_page` or `prev_page` of another page.',
  tail: 'Only the newest lines, this many (instead of `limit` from the start or the cursor).',
  step_id: 'Only the lines of the step of this name.',
};

/** The fields of a query schema (`page`, `page_size`, `sort`; `limit`, …) as it parses them. */
function queryParameters(schema: typeof pageQuery | typeof jobListQuery | typeof logQuery): Parameter[] {
  return Object.entries(schema.shape).map(([name, field]: [string, z.ZodType]) => {
    const { $schema: _, ...jsonSchema } = z.toJSONSchema(field, { io: 'output' });
    const description = QUERY_DESCRIPTIONS[name];
    if (!description) throw new Error(`The query parameter ${name} has no description`);
    return {
      name,
      description,
      required: !field.safeParse(undefined).success,
      schema: jsonSchema,
    };
  });
}

const statusFilter: Parameter = {
  name: 'filter[status]',
  description: `One status, or several separated by commas (any of): ${JOB_STATUSES.join(', ')}.`,
  schema: { type: 'string', examples: ['paused,pausing'] },
};
const listFilter = (field: string): Parameter => ({
  name: `filter[${field}]`,
  description: `One ${field}, or several separated by commas (any of).`,
  schema: { type: 'string' },
});
const timeFilters = (field: string): Parameter[] =>
  (['$gte', '$gt', '$lte', '$lt'] as const).map((op) => ({
    name: `filter[${field}][${op}]`,
    description: `Only jobs whose ${field} is ${{ $gte: '≥', $gt: '>', $lte: '≤', $lt: '<' }[op]} this ISO-8601 date or date-time.`,
    schema: { type: 'string', examples: ['2025-01-31T00:00:00Z'] },
  }));

const ACTIONS = [
  { action: 'pause', summary: 'Pause Job', description: 'Pause a platform job.' },
  { action: 'resume', summary: 'Resume Job', description: 'Resume a paused platform job.' },
  { action: 'cancel', summary: 'Cancel Job', description: 'Cancel a platform job.' },
] as const;

/** A 409 is documented where the lifecycle table can answer one (cancel never does). */
const canConflict = (action: JobAction) =>
  Object.values(actionTable[action]).some((o) => o.kind === 'conflict');

const operations: OperationSpec[] = [
  {
    method: 'get',
    path: '/execution-profiles',
    summary: 'List Execution Profiles',
    description: 'List the execution profiles (provider and profile) this gateway can run steps on.',
    pathParameters: {},
    responses: ok(executionProfileList),
  },
  {
    method: 'post',
    path: '/workspaces/{workspace}/jobs',
    summary: 'Create Job',
    description: 'Create a platform job.',
    pathParameters: { workspace: WORKSPACE },
    body: { required: true, schema: createJobRequest },
    responses: {
      201: { description: 'Successful Response', schema: platformJobResponse },
      ...conflict('A job of that name already exists in the workspace'),
      // A profile that is not configured is a sentence, not a schema error.
      ...bodyErrors([httpValidationError, httpError]),
    },
  },
  {
    method: 'get',
    path: '/workspaces/{workspace}/jobs',
    summary: 'List Jobs',
    description: 'List the platform jobs of a workspace, a page at a time.',
    pathParameters: { workspace: WORKSPACE },
    query: [
      ...queryParameters(jobListQuery),
      statusFilter,
      ...['source', 'project', 'name'].map(listFilter),
      ...timeFilters('created_at'),
      ...timeFilters('updated_at'),
    ],
    responses: { ...ok(jobListResponse), ...unknownFilter, ...invalidQuery },
  },
  {
    method: 'get',
    path: '/workspaces/{workspace}/jobs/{name}',
    summary: 'Get Job',
    description: 'Get a platform job.',
    pathParameters: jobPath,
    responses: { ...ok(platformJobResponse), ...notFound() },
  },
  {
    method: 'delete',
    path: '/workspaces/{workspace}/jobs/{name}',
    summary: 'Delete Job',
    description: 'Delete a platform job that has finished (completed, error or cancelled).',
    pathParameters: jobPath,
    responses: {
      204: { description: 'Successful Response' },
      ...notFound(),
      ...conflict('The job has not finished'),
    },
  },
  ...ACTIONS.map(({ action, summary, description }): OperationSpec => ({
    method: 'post',
    path: `/workspaces/{workspace}/jobs/{name}/${action}`,
    summary,
    description,
    pathParameters: jobPath,
    body: ignoredBody,
    responses: {
      ...ok(platformJobResponse),
      ...notFound(),
      ...(canConflict(action)
        ? conflict('The job’s status does not allow it; the detail names the status')
        : {}),
      ...bodyErrors(),
    },
  })),
  {
    method: 'get',
    path: '/workspaces/{workspace}/jobs/{name}/status',
    summary: 'Get Job Status',
    description: 'Get the status of a platform job and of each of its steps.',
    pathParameters: jobPath,
    responses: { ...ok(jobStatusTree), ...notFound() },
  },
  {
    method: 'get',
    path: '/workspaces/{workspace}/jobs/{name}/steps',
    summary: 'List Job Steps',
    description:
      'List job steps for executors and controllers, oldest job first; `-` as the workspace or the job name means all.',
    pathParameters: { workspace: `${WORKSPACE}, or \`-\` for all`, name: `${JOB_NAME}, or \`-\` for all` },
    query: [...queryParameters(pageQuery), statusFilter],
    responses: { ...ok(stepListResponse), ...unknownFilter, ...invalidQuery },
  },
  {
    method: 'get',
    path: '/workspaces/{workspace}/jobs/{name}/events',
    summary: 'Stream Job Events',
    description:
      'Stream a job’s status changes as server-sent events: first its current status (with a cursor, ' +
      'every change after it), then each change as it happens, until a terminal status ends the stream.',
    pathParameters: jobPath,
    query: [{ name: 'after', description: CURSOR_DESCRIPTION, schema: { type: 'string' } }],
    header: [
      {
        name: 'Last-Event-ID',
        description: `${CURSOR_DESCRIPTION} An \`EventSource\` sends it when it reconnects; it wins over \`after\`.`,
        schema: { type: 'string' },
      },
    ],
    responses: {
      200: {
        description:
          'Server-sent events. Each `status` event’s `id:` is its cursor and its `data:` is a ' +
          '`JobStatusEvent` as JSON. A stream that fails ends with an `error` event whose `data:` is an ' +
          '`HTTPError`. A quiet stream gets a `: keep-alive` comment now and then.',
        events: { status: jobStatusEvent, error: httpError },
      },
      204: {
        description:
          'The job has finished and nothing follows the cursor: an `EventSource` stops reconnecting.',
      },
      ...notFound(),
      422: { description: 'Not a cursor of this stream', schema: httpError },
    },
  },
  {
    method: 'get',
    path: '/workspaces/{workspace}/jobs/{name}/logs',
    summary: 'Get Job Logs',
    description:
      'Get what a job’s steps printed, oldest line first, a page at a time: `limit` lines from the start ' +
      'or from `page_cursor`, or the `tail` newest ones.',
    pathParameters: jobPath,
    query: queryParameters(logQuery),
    responses: { ...ok(jobLogPage), ...notFound(), ...invalidQuery },
  },
  {
    method: 'patch',
    path: '/workspaces/{workspace}/jobs/{job}/steps/{name}/status',
    summary: 'Update Job Step Status',
    description: 'Report the status of a step (for executors and controllers); the job follows its steps.',
    pathParameters: { workspace: WORKSPACE, job: JOB_NAME, name: 'The step’s name' },
    body: { required: true, schema: stepStatusUpdate },
    responses: {
      ...ok(stepResponse),
      ...notFound('Job or step'),
      ...conflict('The step cannot move from its status to the one given'),
      ...bodyErrors(),
    },
  },
];

// ---------------------------------------------------------------------------------------------
// From zod to JSON Schema.

const REF_PREFIX = '#/components/schemas/';
type Naming = (id: string, io: Io) => string;

function componentId(schema: z.ZodType): string {
  const id = components.get(schema)?.id;
  if (!id) throw new Error('A request or response schema of an operation must be registered in schemas.ts');
  return id;
}

/** Every registered schema in one form, each nested registered schema a `$ref` named by `naming`. */
function convertComponents(io: Io, naming: Naming): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(components, {
    target: 'draft-2020-12',
    io,
    uri: (id) => REF_PREFIX + naming(id, io),
    override: ({ zodSchema, jsonSchema }) => {
      const def = zodSchema._zod.def as { type: string; discriminator?: string };
      if (def.type === 'union' && def.discriminator)
        jsonSchema.discriminator = { propertyName: def.discriminator };
      // zod closes output objects; a response may gain fields, and clients must not reject them.
      if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
      const description = components.has(zodSchema) ? components.get(zodSchema)?.description : undefined;
      if (description) jsonSchema.description = description;
    },
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema as JsonSchema]),
  );
}

function refsIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, into));
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX))
        into.add(v.slice(REF_PREFIX.length));
      else refsIn(v, into);
    }
  }
  return into;
}

/** The ids `roots` refer to, directly or through each other. */
function closure(roots: Iterable<string>, schemas: Record<string, JsonSchema>): Set<string> {
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    refsIn(schemas[id]).forEach(visit);
  };
  [...roots].forEach(visit);
  return seen;
}

const bodySchemas = (op: OperationSpec) => (op.body?.schema ? [op.body.schema] : []);
const responseSchemas = (op: OperationSpec) =>
  Object.values(op.responses).flatMap((r) => [
    ...(r.schema === undefined ? [] : [r.schema].flat()),
    ...Object.values(r.events ?? {}),
  ]);

/**
 * Names each component once per form it is used in. Request bodies use the input form (a field
 * with a default is optional), responses the output form (it is always there). A shape used both
 * ways whose forms differ, or that refers to one that does, becomes `<id>Input` and `<id>Output`,
 * as pydantic names them upstream (`PlatformJobSpecOutput`); every other shape keeps its id.
 */
function nameComponents() {
  const plain: Naming = (id) => id;
  const forms = { input: convertComponents('input', plain), output: convertComponents('output', plain) };
  const used = {
    input: closure(operations.flatMap(bodySchemas).map(componentId), forms.input),
    output: closure(operations.flatMap(responseSchemas).map(componentId), forms.output),
  };
  const split = new Set<string>();
  const both = [...used.input].filter((id) => used.output.has(id));
  for (const id of both)
    if (JSON.stringify(forms.input[id]) !== JSON.stringify(forms.output[id])) split.add(id);
  // A shape that refers to a split one differs too, through the names of its refs.
  let grew = true;
  while (grew) {
    grew = false;
    for (const id of both) {
      if (!split.has(id) && [...refsIn(forms.input[id])].some((ref) => split.has(ref))) {
        split.add(id);
        grew = true;
      }
    }
  }
  const naming: Naming = (id, io) => (split.has(id) ? `${id}${io === 'input' ? 'Input' : 'Output'}` : id);
  return { naming, used };
}

// ---------------------------------------------------------------------------------------------
// The document.

export type JsonContent = Record<'application/json', { schema: JsonSchema }>;
/**
 * OpenAPI 3.1 cannot type the `data:` of each server-sent event (3.2's `itemSchema` wraps it in an
 * envelope schema), so `x-events` maps each event name to its data's schema, which also keeps those
 * components in the document.
 */
export type EventStreamContent = Record<
  'text/event-stream',
  { schema: JsonSchema; 'x-events': Record<string, JsonSchema> }
>;
export type Content = JsonContent | EventStreamContent;

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface ResponseObject {
  description: string;
  headers?: ResponseSpec['headers'];
  content?: Content;
}

export interface OperationObject {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  parameters: ParameterObject[];
  requestBody?: { required: boolean; description?: string; content: JsonContent };
  responses: Record<string, ResponseObject>;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<Method, OperationObject>>>;
  components: { schemas: Record<string, JsonSchema> };
}

/** Upstream's (FastAPI's, kebab-cased) form: `pause-job-apis-jobs-v-2-workspaces-workspace-jobs-name-pause-post`. */
const operationId = (op: OperationSpec, root: string) =>
  `${op.summary} ${root}${op.path} ${op.method}`
    .replace(/([a-z])(\d)/gi, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .join('-');

/** The document for the routes mounted under `root` (e.g. `/apis/jobs/v2`). */
export function openApiDocument(root: string): OpenApiDocument {
  const { naming, used } = nameComponents();
  const ref = (schema: z.ZodType, io: Io): JsonSchema => ({
    $ref: REF_PREFIX + naming(componentId(schema), io),
  });
  const content = (schema: z.ZodType | z.ZodType[], io: Io): JsonContent => ({
    'application/json': {
      schema: Array.isArray(schema) ? { anyOf: schema.map((s) => ref(s, io)) } : ref(schema, io),
    },
  });
  const eventStream = (events: Record<string, z.ZodType>): EventStreamContent => ({
    'text/event-stream': {
      schema: { type: 'string' },
      'x-events': Object.fromEntries(Object.entries(events).map(([name, s]) => [name, ref(s, 'output')])),
    },
  });
  const responseContent = ({ schema, events }: ResponseSpec): Content | undefined =>
    events ? eventStream(events) : schema && content(schema, 'output');
  const parameters = (where: 'query' | 'header', list: Parameter[] = []) =>
    list.map(({ name, description, required = false, schema }): ParameterObject => ({
      name,
      in: where,
      required,
      description,
      schema,
    }));

  const operation = (op: OperationSpec): OperationObject => ({
    operationId: operationId(op, root),
    summary: op.summary,
    description: op.description,
    tags: ['jobs'],
    parameters: [
      ...Object.entries(op.pathParameters).map(([name, description]): ParameterObject => ({
        name,
        in: 'path',
        required: true,
        description,
        schema: { type: 'string' },
      })),
      ...parameters('query', op.query),
      ...parameters('header', op.header),
    ],
    ...(op.body && {
      requestBody: {
        required: op.body.required,
        ...(op.body.description && { description: op.body.description }),
        content: op.body.schema ? content(op.body.schema, 'input') : { 'application/json': { schema: {} } },
      },
    }),
    responses: Object.fromEntries(
      Object.entries(op.responses).map(([status, response]): [string, ResponseObject] => {
        const { description, headers } = response;
        const body = responseContent(response);
        return [status, { description, ...(headers && { headers }), ...(body && { content: body }) }];
      }),
    ),
  });

  const paths: OpenApiDocument['paths'] = {};
  for (const op of operations) (paths[root + op.path] ??= {})[op.method] = operation(op);

  const schemas: Record<string, JsonSchema> = {};
  for (const io of ['input', 'output'] as const) {
    const form = convertComponents(io, naming);
    for (const id of used[io]) schemas[naming(id, io)] = form[id];
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'NeMo Platform Jobs API v2 (gateway)',
      version: '2.0.0',
      description:
        'The REST door of the jobs gateway, compatible with the NeMo Platform Jobs API v2. ' +
        'The same jobs are served over GraphQL at `/graphql`.',
    },
    tags: [{ name: 'jobs', description: 'Platform jobs, their steps and their lifecycle.' }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}
