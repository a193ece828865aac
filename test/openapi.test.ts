/**
 * The documentation the server serves: `/openapi.json` describes exactly the REST routes, and every
 * real answer of every route conforms to the schema the document declares for its status code.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  RequestBodyObject,
  ResponseObject,
  SchemaObject,
} from 'openapi3-ts/oas31';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessControl } from '../src/access/index.js';
import type { StatusEventFeed } from '../src/events/feed.js';
import type { JobsService } from '../src/jobs/service.js';
import { jobEventRoutes } from '../src/rest/events.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { JobResults } from '../src/jobs/results.js';
import type { JobTasks } from '../src/jobs/tasks.js';
import { restApp, type JobArtifacts } from '../src/rest/index.js';
import { resultRoutes } from '../src/rest/results.js';
import { taskRoutes } from '../src/rest/tasks.js';
import { jobRoutes } from '../src/rest/jobs.js';
import { discoveryRoutes } from '../src/rest/discovery.js';
import { jobLogRoutes } from '../src/rest/logs.js';
import { memberRoutes } from '../src/rest/members.js';
import { referencePage } from '../src/rest/reference-page.js';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, seedJob, uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, useGateway, type HttpResult } from './support/gateway.js';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.js';
import { reachStatus } from './support/lifecycle.js';
import { SSEParser, type ServerSentEvent } from './support/sse.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
const MEMBERS = '/apis/entities/v2';
const DISCOVERY = '/apis/auth/discovery';
/** Paths under the jobs API are written relative to it; others in full. */
const fullPath = (path: string) => (path.startsWith('/apis/') ? path : JOBS + path);

/** An operation as the gateway documents it: its parameters listed, no `$ref` but to schemas. */
type Operation = Omit<OperationObject, 'parameters' | 'requestBody' | 'responses'> & {
  operationId: string;
  summary: string;
  description: string;
  parameters: ParameterObject[];
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject>;
};
type OpenApiDocument = Omit<OpenAPIObject, 'paths' | 'components'> & {
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components: { schemas: Record<string, SchemaObject> };
};

/** A REST door's parts that are only built, never called. */
const unused = { tasks: {} as JobTasks, results: {} as JobResults } satisfies JobArtifacts;

/** The document of a REST door that is only built, not served. */
const builtDocument = async (): Promise<OpenApiDocument> =>
  (
    await restApp({} as JobsService, {} as StatusEventFeed, {} as AccessControl, unused).request(
      '/openapi.json',
    )
  ).json();

/**
 * The upstream platform's document, cut down to the operations the gateway serves (with their
 * operationIds and success schemas) and the schemas of steps, tasks and results.
 */
const upstream = parseYaml(
  readFileSync(new URL('./contract/upstream-jobs.openapi.yaml', import.meta.url), 'utf8'),
) as {
  paths: Record<
    string,
    Partial<Record<Method, { operationId: string; responses: Record<string, { $ref?: string }> }>>
  >;
  components: { schemas: Record<string, unknown> };
};

const JSON_HEADERS = { 'content-type': 'application/json' };
const BINARY_HEADERS = { 'content-type': 'application/octet-stream' };
/** A small upload limit, so a test can pass it. */
const RESULT_MAX_BYTES = 64 * 1024;
const TEXT_HEADERS = { 'content-type': 'text/plain' };
const MALFORMED = '{"status": ';
const oversized = { ...seedJob, spec: { blob: 'x'.repeat(2 * 1024 * 1024) } };

const subprocessJob = (name: string) => ({
  name,
  source: 'tests',
  spec: {},
  platform_spec: {
    steps: [
      {
        name: 'run-script',
        executor: { provider: 'subprocess', command: ['true'] },
        environment: [{ name: 'MODE', value: 'test' }],
        config: { retries: 1 },
        lifecycle: { staleness_timeout_seconds: 0, pause_deadline_seconds: 30 },
      },
    ],
  },
});

describe.each(databaseKinds)('the OpenAPI document on $name', (kind) => {
  // These tests move steps by hand, as an external controller would: no built-in executor.
  const suite = useGateway(kind, { executor: false, resultMaxBytes: RESULT_MAX_BYTES });
  let document: OpenApiDocument;
  let ajv: Ajv2020;
  /** `method path status` of every documented answer a test below received. */
  const answered = new Set<string>();

  beforeAll(async () => {
    const res = await http(suite.base, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    document = res.body;
    ajv = new Ajv2020({ strict: false, allErrors: true, discriminator: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'openapi.json', components: document.components });
  });

  const operation = (method: Method, path: string): Operation => {
    const op = document.paths[fullPath(path)]?.[method];
    if (!op) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
    return op;
  };

  const validators = new Map<string, ValidateFunction>();
  /** A validator for a schema of the document, its `#/components/…` refs resolved in the document. */
  const validatorFor = (schema: unknown) => {
    const text = JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/');
    if (!validators.has(text)) validators.set(text, ajv.compile(JSON.parse(text)));
    return validators.get(text)!;
  };
  const errorsOf = (validate: ValidateFunction, value: unknown) =>
    validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);

  let upstreamAjv: Ajv2020 | undefined;
  /** Errors of `value` against upstream's schema of that name (OpenAPI 3.0's `nullable` read as 3.1's null). */
  const upstreamErrors = (name: string, value: unknown) => {
    if (!upstreamAjv) {
      upstreamAjv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(upstreamAjv);
      const text = JSON.stringify(upstream.components).replace(
        /"nullable":true,"type":"string"/g,
        '"type":["string","null"]',
      );
      upstreamAjv.addSchema({ $id: 'upstream', components: JSON.parse(text) });
    }
    return errorsOf(upstreamAjv.getSchema(`upstream#/components/schemas/${name}`)!, value);
  };

  /** The documented answer of `method path` for `status`; it must be there. */
  const documentedAnswer = (method: Method, path: string, status: number, what: string): ResponseObject => {
    const documented = operation(method, path).responses[String(status)];
    expect(documented, `${what}: a status the document does not list`).toBeDefined();
    answered.add(`${method} ${fullPath(path)} ${status}`);
    return documented;
  };

  /** A JSON answer, or none, conforms to what the document declares for it. */
  const expectJsonAnswer = (documented: ResponseObject, res: HttpResult, what: string) => {
    if (documented.content && 'application/octet-stream' in documented.content) {
      // A file: any media type, its size said up front.
      expect(res.headers.get('content-type'), what).toBeTruthy();
      expect(Number(res.headers.get('content-length')), what).toBe(Buffer.byteLength(res.text));
    } else if (documented.content) {
      expect('application/json' in documented.content, `${what}: documented as JSON`).toBe(true);
      if (!('application/json' in documented.content)) return;
      expect(res.headers.get('content-type'), what).toMatch(/^application\/json/);
      expect(errorsOf(validatorFor(documented.content['application/json'].schema), res.body), what).toEqual(
        [],
      );
    } else {
      expect(res.text, what).toBe('');
    }
  };

  /**
   * One real request to a documented route (`path` in the document's template form, `url` the real
   * one). The answer's status must be documented and its body must conform to that status's
   * schema; a request body the server accepted must conform to the documented request schema.
   */
  async function call(
    method: Method,
    path: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
    base = suite.base,
  ): Promise<HttpResult> {
    const res = await http(base, method.toUpperCase(), fullPath(url), body, headers);
    const what = `${method.toUpperCase()} ${path} answered ${res.status} ${res.text.slice(0, 300)}`;
    const op = operation(method, path);
    expectJsonAnswer(documentedAnswer(method, path, res.status, what), res, what);
    // A success conforms to upstream's schema too, where the extract holds it.
    const upstreamSchema = /[^/]+$/.exec(
      upstream.paths[fullPath(path)]?.[method]?.responses[String(res.status)]?.$ref ?? '',
    )?.[0];
    if (upstreamSchema && upstreamSchema in upstream.components.schemas) {
      expect(upstreamErrors(upstreamSchema, res.body), `${what}: upstream's ${upstreamSchema}`).toEqual([]);
    }
    const requestSchema = op.requestBody?.content['application/json'].schema;
    if (res.status < 300 && requestSchema && typeof body === 'object') {
      expect(errorsOf(validatorFor(requestSchema), body), `${what}: the request body it accepted`).toEqual(
        [],
      );
    }
    return res;
  }

  /**
   * One real request to a documented `GET` of server-sent events, read with fetch until its first
   * event (or its end). A `text/event-stream` answer must be documented as one, and each event's
   * name must be documented with the schema its `data:` JSON conforms to; any other answer is
   * checked as `call` checks it.
   */
  async function callStream(
    path: string,
    url: string,
    headers: Record<string, string> = {},
    base = suite.base,
  ): Promise<HttpResult & { events: ServerSentEvent[] }> {
    const abort = new AbortController();
    const res = await fetch(base + fullPath(url), {
      headers: { accept: 'text/event-stream', ...headers },
      signal: abort.signal,
    });
    const events: ServerSentEvent[] = [];
    if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
      const text = await res.text();
      const result = {
        status: res.status,
        headers: res.headers,
        body: text ? JSON.parse(text) : undefined,
        text,
      };
      const what = `GET ${path} answered ${res.status} ${text.slice(0, 300)}`;
      expectJsonAnswer(documentedAnswer('get', path, res.status, what), result, what);
      return { ...result, events };
    }

    const parser = new SSEParser((event) => events.push(event));
    const decoder = new TextDecoder();
    const reader = res.body!.getReader();
    const timeout = setTimeout(() => abort.abort(), 5000);
    try {
      while (events.length === 0) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(decoder.decode(value, { stream: true }));
      }
    } finally {
      clearTimeout(timeout);
      abort.abort();
    }
    const what = `GET ${path} answered ${res.status} with events ${JSON.stringify(events)}`;
    const documented = documentedAnswer('get', path, res.status, what);
    const media =
      documented.content && 'text/event-stream' in documented.content
        ? documented.content['text/event-stream']
        : undefined;
    expect(media, `${what}: documented as an event stream`).toBeDefined();
    expect(events.length, `${what}: no event before the stream ended`).toBeGreaterThan(0);
    for (const event of events) {
      const schema = media!['x-events'][event.event];
      expect(schema, `${what}: the event \`${event.event}\` is not documented`).toBeDefined();
      expect(errorsOf(validatorFor(schema), JSON.parse(event.data)), what).toEqual([]);
    }
    return { status: res.status, headers: res.headers, body: undefined, text: '', events };
  }

  it('is an OpenAPI 3.1 document with exactly the routes of the REST door', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toEqual(expect.any(String));
    const [jobs, feed] = [{} as JobsService, {} as StatusEventFeed];
    const template = (r: { method: string; path: string }) =>
      `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`;
    const access = {} as AccessControl;
    const apis = [
      ...[
        jobRoutes(jobs, unused.tasks),
        taskRoutes(unused.tasks),
        resultRoutes(unused.results),
        jobEventRoutes(feed, jobs),
        jobLogRoutes(jobs),
      ].map((app) => ({
        root: JOBS,
        app,
      })),
      { root: MEMBERS, app: memberRoutes(access) },
      { root: '/apis/auth', app: discoveryRoutes(access) },
    ];
    const routes = apis.flatMap(({ root, app }) =>
      app.routes.filter((r) => r.method !== 'ALL').map((r) => template({ ...r, path: root + r.path })),
    );
    // Those are all the API routes the REST door mounts.
    const mounted = restApp(jobs, feed, access, unused)
      .routes.filter((r) => r.path.startsWith('/apis/') && r.method !== 'ALL')
      .map(template);
    expect([...new Set(mounted)].sort()).toEqual([...new Set(routes)].sort());
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual([...new Set(routes)].sort());
  });

  it('documents every path parameter, and names operations as upstream does', () => {
    for (const [path, methods] of Object.entries(document.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const op of Object.values(methods)) {
        expect(
          op.parameters
            .filter((p) => p.in === 'path')
            .map((p) => p.name)
            .sort(),
          path,
        ).toEqual(inPath);
        expect(op.summary).toMatch(/^[A-Z][a-z]*( [A-Z][a-z]*)*$/);
        expect(op.description).toMatch(/\.$/);
      }
    }
    const ids = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).map((op) => op.operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(operation('post', '/workspaces/{workspace}/jobs/{name}/pause').operationId).toBe(
      'pause_job_apis_jobs_v2_workspaces__workspace__jobs__name__pause_post',
    );
  });

  it('serves every operation of upstream’s jobs, members and auth discovery APIs, under upstream’s operationId', () => {
    const upstreamOperations = Object.entries(upstream.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => `${method} ${path} ${op.operationId}`),
    );
    expect(upstreamOperations.filter((op) => op.includes('/apis/jobs/v2'))).toHaveLength(21);
    const ours = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => `${method} ${path} ${op.operationId}`),
    );
    expect(upstreamOperations.filter((op) => !ours.includes(op))).toEqual([]);
    // The one operation of the gateway's own, named by the same rule.
    expect(ours.filter((op) => !upstreamOperations.includes(op))).toEqual([
      'get /apis/jobs/v2/workspaces/{workspace}/jobs/{name}/events stream_job_events_apis_jobs_v2_workspaces__workspace__jobs__name__events_get',
    ]);
  });

  it('describes request bodies in their input form and responses in their output form', () => {
    const schemas = document.components.schemas;
    const create = operation('post', '/workspaces/{workspace}/jobs');
    expect(create.requestBody?.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/PlatformJobCreateRequest',
    });
    expect(schemas.PlatformJobCreateRequest.properties?.platform_spec).toEqual({
      $ref: '#/components/schemas/PlatformJobSpecInput',
    });
    expect(schemas.PlatformJobResponse.properties?.platform_spec).toEqual({
      $ref: '#/components/schemas/PlatformJobSpecOutput',
    });
    // A default makes a field optional in a request and always present in a response.
    expect(schemas.StepLifecycleInput.required ?? []).not.toContain('staleness_timeout_seconds');
    expect(schemas.StepLifecycleOutput.required).toContain('staleness_timeout_seconds');
    // A shape that reads the same both ways keeps one name.
    expect(schemas.PlatformJobEnvironmentVariable).toBeDefined();
    expect(schemas.PlatformJobEnvironmentVariableInput).toBeUndefined();
    expect(schemas.PlatformJobStepSpecExecutorInput.discriminator).toEqual({ propertyName: 'provider' });
  });

  it('holds valid JSON Schemas whose every $ref resolves', () => {
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      expect(ajv.validateSchema(schema), `${name}: ${ajv.errorsText()}`).toBe(true);
      expect(() => ajv.getSchema(`openapi.json#/components/schemas/${name}`), name).not.toThrow();
    }
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const name = /#\/components\/schemas\/([^"]+)"/.exec(ref)?.[1];
      expect(name && document.components.schemas[name], ref).toBeTruthy();
    }
  });

  it.each([
    ['get', '/workspaces/{workspace}/jobs', '/workspaces/w/jobs'],
    ['get', '/workspaces/{workspace}/jobs/{name}/steps', '/workspaces/-/jobs/-/steps'],
  ] as const)('documents exactly the filters that %s %s accepts', async (method, path, url) => {
    const res = await call(method, path, `${url}?filter[nonsense]=x`);
    expect(res.status).toBe(400);
    const accepted = /Filterable fields: (.*)\.$/.exec(res.body.detail)![1].split(', ');
    const documented = operation(method, path)
      .parameters.map((p) => /^filter\[([^\]]+)\]/.exec(p.name)?.[1])
      .filter((field): field is string => field !== undefined);
    expect([...new Set(documented)].sort()).toEqual(accepted.sort());
  });

  describe('every answer conforms to the schema the document declares for it', () => {
    const jobs = (ws: string) => `/workspaces/${ws}/jobs`;
    const JOBS_PATH = '/workspaces/{workspace}/jobs';
    const JOB_PATH = '/workspaces/{workspace}/jobs/{name}';
    const STEPS_PATH = '/workspaces/{workspace}/jobs/{name}/steps';
    const STEP_STATUS_PATH = '/workspaces/{workspace}/jobs/{job}/steps/{name}/status';
    const EVENTS_PATH = '/workspaces/{workspace}/jobs/{name}/events';
    const LOGS_PATH = '/workspaces/{workspace}/jobs/{name}/logs';
    const STEP_PATH = '/workspaces/{workspace}/jobs/{job}/steps/{name}';
    const STATUS_DETAILS_PATH = '/workspaces/{workspace}/jobs/{name}/status-details';
    const TASKS_PATH = '/workspaces/{workspace}/jobs/{job}/steps/{name}/tasks';
    const TASK_PATH = '/workspaces/{workspace}/jobs/{job}/steps/{step}/tasks/{name}';
    const RESULTS_PATH = '/workspaces/{workspace}/jobs/{name}/results';
    const RESULT_PATH = '/workspaces/{workspace}/jobs/{job}/results/{name}';
    const DOWNLOAD_PATH = `${RESULT_PATH}/download`;

    it('execution profiles', async () => {
      const res = await call('get', '/execution-profiles', '/execution-profiles');
      expect(res.status).toBe(200);
      expect(res.body.length).toBeGreaterThan(0);
    });

    it('create: 201, 409, 413, 415 and both kinds of 422', async () => {
      const ws = uniqueWorkspace();
      expect((await call('post', JOBS_PATH, jobs(ws), seedJob)).status).toBe(201);
      expect((await call('post', JOBS_PATH, jobs(ws), subprocessJob('scripted'))).status).toBe(201);
      const { name: _name, project: _project, description: _description, ...minimal } = seedJob;
      const generated = await call('post', JOBS_PATH, jobs(ws), minimal);
      expect(generated.status).toBe(201);
      expect(generated.body).not.toHaveProperty('project');
      expect((await call('post', JOBS_PATH, jobs(ws), seedJob)).status).toBe(409);
      expect((await call('post', JOBS_PATH, jobs(ws), oversized)).status).toBe(413);
      expect((await call('post', JOBS_PATH, jobs(ws), 'source=x', TEXT_HEADERS)).status).toBe(415);
      expect((await call('post', JOBS_PATH, jobs(ws), { spec: {} })).status).toBe(422);
      expect((await call('post', JOBS_PATH, jobs(ws), MALFORMED, JSON_HEADERS)).status).toBe(422);
      expect((await call('post', JOBS_PATH, jobs(ws))).status).toBe(422);
      const unconfigured = await call('post', JOBS_PATH, jobs(ws), {
        ...jobWithSteps('nowhere-to-run'),
        platform_spec: {
          steps: [
            { name: 'step-a', executor: { provider: 'gpu', profile: 'h100', container: { image: 'x' } } },
          ],
        },
      });
      expect(unconfigured.status).toBe(422);
      expect(typeof unconfigured.body.detail).toBe('string');
    });

    it('list: 200 with and without filters, 400, 422', async () => {
      const ws = uniqueWorkspace();
      for (const name of ['one-job', 'two-job']) await call('post', JOBS_PATH, jobs(ws), jobWithSteps(name));
      expect((await call('get', JOBS_PATH, jobs(ws))).body.data).toHaveLength(2);
      expect((await call('get', JOBS_PATH, jobs(uniqueWorkspace()))).body.data).toEqual([]);
      const filtered = await call(
        'get',
        JOBS_PATH,
        `${jobs(ws)}?page=1&page_size=1&sort=source&filter[status]=created,pending&filter[created_at][$gte]=2000-01-01&filter[name]=one-job`,
      );
      expect(filtered.status).toBe(200);
      expect(filtered.body.filter).toEqual({
        status: 'created,pending',
        created_at: { $gte: '2000-01-01' },
        name: 'one-job',
      });
      expect((await call('get', JOBS_PATH, `${jobs(ws)}?filter[color]=red`)).status).toBe(400);
      expect((await call('get', JOBS_PATH, `${jobs(ws)}?page=0&sort=size`)).status).toBe(422);
      expect((await call('get', JOBS_PATH, `${jobs(ws)}?filter[status]=sleeping`)).status).toBe(422);
    });

    it('get and status: 200 and 404', async () => {
      const ws = uniqueWorkspace();
      await call('post', JOBS_PATH, jobs(ws), jobWithSteps('two-steps', 2));
      expect((await call('get', JOB_PATH, `${jobs(ws)}/two-steps`)).status).toBe(200);
      expect((await call('get', JOB_PATH, `${jobs(ws)}/absent`)).status).toBe(404);
      const tree = await call('get', `${JOB_PATH}/status`, `${jobs(ws)}/two-steps/status`);
      expect(tree.status).toBe(200);
      expect(tree.body.steps).toHaveLength(2);
      expect((await call('get', `${JOB_PATH}/status`, `${jobs(ws)}/absent/status`)).status).toBe(404);
    });

    it('pause, resume, cancel: 200, 404, 409, 413, 415, 422', async () => {
      const ws = uniqueWorkspace();
      await call('post', JOBS_PATH, jobs(ws), jobWithSteps('acted-on'));
      await reachStatus(suite.base, ws, 'finished', 'completed');
      await reachStatus(suite.base, ws, 'held', 'paused');
      const action = (name: string, verb: string, body?: unknown, headers?: Record<string, string>) =>
        call('post', `${JOB_PATH}/${verb}`, `${jobs(ws)}/${name}/${verb}`, body, headers);

      expect((await action('acted-on', 'pause', {})).status).toBe(200);
      expect((await action('finished', 'pause', {})).status).toBe(409);
      expect((await action('acted-on', 'resume', {})).status).toBe(409);
      expect((await action('held', 'resume')).status).toBe(200);
      expect((await action('finished', 'cancel', {})).status).toBe(200);
      expect((await action('acted-on', 'cancel', '', JSON_HEADERS)).status).toBe(200);
      for (const verb of ['pause', 'resume', 'cancel']) {
        expect((await action('ghost', verb, {})).status).toBe(404);
        expect((await action('acted-on', verb, oversized)).status).toBe(413);
        expect((await action('acted-on', verb, 'please', TEXT_HEADERS)).status).toBe(415);
        expect((await action('acted-on', verb, MALFORMED, JSON_HEADERS)).status).toBe(422);
      }
    });

    it('delete: 204 with an empty body, 404, 409', async () => {
      const ws = uniqueWorkspace();
      await reachStatus(suite.base, ws, 'done-job', 'completed');
      await call('post', JOBS_PATH, jobs(ws), jobWithSteps('still-created'));
      expect((await call('delete', JOB_PATH, `${jobs(ws)}/still-created`)).status).toBe(409);
      expect((await call('delete', JOB_PATH, `${jobs(ws)}/done-job`)).status).toBe(204);
      expect((await call('delete', JOB_PATH, `${jobs(ws)}/done-job`)).status).toBe(404);
    });

    it('steps: 200 for one job and for all, 400, 422', async () => {
      const ws = uniqueWorkspace();
      await call('post', JOBS_PATH, jobs(ws), jobWithSteps('stepped', 2));
      await call('post', JOBS_PATH, jobs(ws), subprocessJob('scripted'));
      const one = await call('get', STEPS_PATH, `${jobs(ws)}/stepped/steps`);
      expect(one.body.data.map((s: { name: string }) => s.name)).toEqual(['step-a', 'step-b']);
      const all = await call(
        'get',
        STEPS_PATH,
        `/workspaces/${ws}/jobs/-/steps?filter[status]=created&page_size=5`,
      );
      expect(all.body.data).toHaveLength(3);
      expect(all.body.filter).toEqual({ status: 'created' });
      expect((await call('get', STEPS_PATH, '/workspaces/-/jobs/-/steps?page_size=2')).status).toBe(200);
      expect((await call('get', STEPS_PATH, `${jobs(ws)}/stepped/steps?filter[color]=x`)).status).toBe(400);
      expect((await call('get', STEPS_PATH, `${jobs(ws)}/stepped/steps?page_size=0`)).status).toBe(422);
    });

    it('step status: 200, 404, 409, 413, 415, 422', async () => {
      const ws = uniqueWorkspace();
      await call('post', JOBS_PATH, jobs(ws), jobWithSteps('reported', 2));
      const step = (name: string, body?: unknown, headers?: Record<string, string>) =>
        call('patch', STEP_STATUS_PATH, `${jobs(ws)}/reported/steps/${name}/status`, body, headers);

      expect((await step('step-a', { status: 'active', status_details: { pod: 'p-1' } })).status).toBe(200);
      const failed = await step('step-a', { status: 'error', error_details: { reason: 'OOMKilled' } });
      expect(failed.status).toBe(200);
      expect(failed.body.error_details).toEqual({ reason: 'OOMKilled' });
      expect((await step('step-z', { status: 'active' })).status).toBe(404);
      expect((await step('step-b', { status: 'completed' })).status).toBe(409);
      expect((await step('step-b', { status: 'sleeping' })).status).toBe(422);
      expect((await step('step-b', {})).status).toBe(422);
      expect((await step('step-b', MALFORMED, JSON_HEADERS)).status).toBe(422);
      expect((await step('step-b', 'active', TEXT_HEADERS)).status).toBe(415);
      expect(
        (await step('step-b', { status: 'active', status_details: { blob: 'x'.repeat(2 << 20) } })).status,
      ).toBe(413);
    });

    it('one step: 200 in upstream’s step shape, 404', async () => {
      const ws = uniqueWorkspace();
      await call('post', JOBS_PATH, jobs(ws), jobWithSteps('stepped', 2));
      const step = await call('get', STEP_PATH, `${jobs(ws)}/stepped/steps/step-b`);
      expect(step.status).toBe(200);
      expect(step.body).toMatchObject({ name: 'step-b', job: 'stepped', status: 'created', config: {} });
      expect(upstreamErrors('PlatformJobStep', step.body)).toEqual([]);
      expect((await call('get', STEP_PATH, `${jobs(ws)}/stepped/steps/step-z`)).status).toBe(404);
      expect((await call('get', STEP_PATH, `${jobs(ws)}/absent/steps/step-a`)).status).toBe(404);
    });

    it('status details: 200, 404, 413, 415, 422', async () => {
      const ws = uniqueWorkspace();
      await call('post', JOBS_PATH, jobs(ws), jobWithSteps('tracked'));
      const details = (body: unknown, name = 'tracked', headers?: Record<string, string>) =>
        call('patch', STATUS_DETAILS_PATH, `${jobs(ws)}/${name}/status-details`, body, headers);
      expect((await details({ progress: 0.5 })).status).toBe(200);
      const merged = await details({ epoch: 3 });
      expect(merged.body.status_details).toEqual({ progress: 0.5, epoch: 3 });
      expect(merged.body.status).toBe('created');
      expect((await details({ progress: 1 }, 'absent')).status).toBe(404);
      expect((await details({ blob: 'x'.repeat(2 << 20) })).status).toBe(413);
      expect((await details('progress', 'tracked', TEXT_HEADERS)).status).toBe(415);
      expect((await details(['progress'])).status).toBe(422);
    });

    it('tasks: list 200, 404; put 200, 404, 413, 415, 422; get 200, 404; in the status tree', async () => {
      const ws = uniqueWorkspace();
      await call('post', JOBS_PATH, jobs(ws), jobWithSteps('spread', 2));
      const base = `${jobs(ws)}/spread/steps`;
      const put = (step: string, task: string, body: unknown, headers?: Record<string, string>) =>
        call('put', TASK_PATH, `${base}/${step}/tasks/${task}`, body, headers);

      expect((await call('get', TASKS_PATH, `${base}/step-a/tasks`)).body).toEqual({ data: [] });
      const created = await put('step-a', 'worker-0', { status: 'active', status_details: { node: 'n1' } });
      expect(created.status).toBe(200);
      expect(upstreamErrors('PlatformJobTask', created.body)).toEqual([]);
      const failed = await put('step-a', 'worker-1', { status: 'error', error_stack: 'Traceback …' });
      expect(failed.body).toMatchObject({ name: 'worker-1', status: 'error', error_stack: 'Traceback …' });
      // A PUT replaces what was reported: no status means pending, no details none.
      const replaced = await put('step-a', 'worker-0', {});
      expect(replaced.body).toMatchObject({ id: created.body.id, status: 'pending', status_details: {} });

      const listed = await call('get', TASKS_PATH, `${base}/step-a/tasks`);
      expect(listed.body.data.map((t: { name: string }) => t.name)).toEqual(['worker-0', 'worker-1']);
      expect(upstreamErrors('PlatformJobListTaskResponse', listed.body)).toEqual([]);
      const one = await call('get', TASK_PATH, `${base}/step-a/tasks/worker-1`);
      expect(one.body).toEqual(failed.body);
      const tree = await call('get', `${JOB_PATH}/status`, `${jobs(ws)}/spread/status`);
      expect(
        tree.body.steps[0].tasks.map((t: { name: string; error_stack: string }) => [t.name, t.error_stack]),
      ).toEqual([
        ['worker-0', ''],
        ['worker-1', 'Traceback …'],
      ]);
      expect(tree.body.steps[1].tasks).toEqual([]);
      expect(upstreamErrors('PlatformJobStatusResponse', tree.body)).toEqual([]);

      expect((await call('get', TASK_PATH, `${base}/step-a/tasks/worker-9`)).status).toBe(404);
      expect((await call('get', TASKS_PATH, `${base}/step-z/tasks`)).status).toBe(404);
      expect((await put('step-z', 'worker-0', { status: 'active' })).status).toBe(404);
      expect((await put('step-a', 'Not_A_Name', { status: 'active' })).status).toBe(422);
      expect((await put('step-a', 'worker-0', { status: 'sleeping' })).status).toBe(422);
      expect((await put('step-a', 'worker-0', 'active', TEXT_HEADERS)).status).toBe(415);
      expect(
        (await put('step-a', 'worker-0', { status_details: { blob: 'x'.repeat(2 << 20) } })).status,
      ).toBe(413);
    });

    it('results: create 201, 404, 409, 413, 422; list 200, 404, 422; get 200, 404; download 200, 404', async () => {
      const ws = uniqueWorkspace();
      await call('post', JOBS_PATH, jobs(ws), jobWithSteps('produced'));
      const at = (name: string, job = 'produced') => `${jobs(ws)}/${job}/results/${name}`;
      const create = (name: string, body: unknown, headers?: Record<string, string>, job?: string) =>
        call('post', RESULT_PATH, at(name, job), body, headers);

      const reference = await create('metrics', {
        artifact_url: 'fileset://default/metrics-set/metrics.json',
        artifact_storage_type: 'fileset',
      });
      expect(reference.status).toBe(201);
      expect(reference.body).not.toHaveProperty('download_url');
      expect(upstreamErrors('PlatformJobResultResponse', reference.body)).toEqual([]);
      const content = 'epoch,loss\n1,0.5\n2,0.25\n';
      const stored = await create('losses.csv', content, { 'content-type': 'text/csv' });
      expect(stored.status).toBe(201);
      expect(stored.body).toMatchObject({ size: content.length, content_type: 'text/csv' });
      expect(upstreamErrors('PlatformJobResultResponse', stored.body)).toEqual([]);

      const download = await call('get', DOWNLOAD_PATH, `${at('losses.csv')}/download`);
      expect(download.status).toBe(200);
      expect(download.text).toBe(content);
      expect(download.headers.get('content-type')).toBe('text/csv');
      expect(stored.body.download_url).toBe(`${JOBS}${at('losses.csv')}/download`);
      expect((await call('get', DOWNLOAD_PATH, `${at('metrics')}/download`)).status).toBe(404);
      expect((await call('get', DOWNLOAD_PATH, `${at('nothing')}/download`)).status).toBe(404);

      const listed = await call('get', RESULTS_PATH, `${jobs(ws)}/produced/results?sort=created_at`);
      expect(listed.body.data.map((r: { name: string }) => r.name)).toEqual(['metrics', 'losses.csv']);
      expect(upstreamErrors('PlatformJobListResultResponse', listed.body)).toEqual([]);
      expect((await call('get', RESULTS_PATH, `${jobs(ws)}/absent/results`)).status).toBe(404);
      expect((await call('get', RESULTS_PATH, `${jobs(ws)}/produced/results?sort=size`)).status).toBe(422);
      expect((await call('get', RESULT_PATH, at('metrics'))).body).toEqual(reference.body);
      expect((await call('get', RESULT_PATH, at('nothing'))).status).toBe(404);

      expect((await create('losses.csv', 'again', BINARY_HEADERS)).status).toBe(409);
      expect((await create('more', 'x', BINARY_HEADERS, 'absent')).status).toBe(404);
      expect((await create('Bad Name', 'x', BINARY_HEADERS)).status).toBe(422);
      expect((await create('metrics-2', { artifact_url: 'x', artifact_storage_type: 's3' })).status).toBe(
        422,
      );
      expect((await create('huge', 'x'.repeat(RESULT_MAX_BYTES + 1), BINARY_HEADERS)).status).toBe(413);
      // Nothing of the refused uploads was kept.
      expect((await call('get', RESULTS_PATH, `${jobs(ws)}/produced/results`)).body.data).toHaveLength(2);
    });

    it('cancel and delete with force: 200 and 204; a bad force is 422', async () => {
      const ws = uniqueWorkspace();
      await reachStatus(suite.base, ws, 'stuck', 'cancelling');
      const cancelled = await call('post', `${JOB_PATH}/cancel`, `${jobs(ws)}/stuck/cancel?force=true`, {});
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('cancelled');
      await reachStatus(suite.base, ws, 'running', 'active');
      expect((await call('delete', JOB_PATH, `${jobs(ws)}/running?force=true`)).status).toBe(204);
      expect((await call('delete', JOB_PATH, `${jobs(ws)}/running?force=maybe`)).status).toBe(422);
    });

    it('logs: 200 for a page, the pages around it, a tail and an empty log, 404, 422', async () => {
      const ws = uniqueWorkspace();
      const created = await call('post', JOBS_PATH, jobs(ws), jobWithSteps('logged', 2));
      await call('post', JOBS_PATH, jobs(ws), jobWithSteps('quiet'));
      // No executor runs here: the lines go in as the built-in one stores them.
      const at = new Date('2025-01-31T12:00:00Z');
      await suite.server.gateway.jobs.appendLogs(
        ['step-a', 'step-a', 'step-b'].map((step, sequence) => ({
          jobId: created.body.id,
          step,
          sequence,
          stream: sequence === 1 ? 'stderr' : 'stdout',
          message: `line ${sequence}`,
          timestamp: at,
        })),
      );
      const logs = (name: string, query = '') => call('get', LOGS_PATH, `${jobs(ws)}/${name}/logs${query}`);

      const first = await logs('logged', '?limit=2');
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ total: 3, prev_page: null, next_page: expect.any(String) });
      expect(first.body.data[1]).toEqual({
        timestamp: at.toISOString(),
        job: 'logged',
        job_step: 'step-a',
        job_task: 'process',
        message: 'line 1',
        stream: 'stderr',
      });
      const second = await logs('logged', `?limit=2&page_cursor=${first.body.next_page}`);
      expect(second.body).toMatchObject({ next_page: null, prev_page: expect.any(String) });
      expect((await logs('logged', '?tail=1&step_id=step-b')).body.data).toHaveLength(1);
      expect((await logs('quiet')).body).toEqual({ data: [], total: 0, next_page: null, prev_page: null });
      expect((await logs('absent')).status).toBe(404);
      expect((await logs('logged', '?limit=0')).status).toBe(422);
      expect((await logs('logged', '?page_cursor=nonsense')).status).toBe(422);
    });

    it('events: 200 from now, after a cursor and after Last-Event-ID, 204, 404, 422', async () => {
      const ws = uniqueWorkspace();
      expect(operation('get', EVENTS_PATH).responses['200'].content).toMatchObject({
        'text/event-stream': { 'x-events': { status: { $ref: '#/components/schemas/JobStatusEvent' } } },
      });
      const cursors = operation('get', EVENTS_PATH).parameters.filter((p) => p.in !== 'path');
      expect(cursors.map(({ name, in: where }) => `${where} ${name}`)).toEqual([
        'query after',
        'header Last-Event-ID',
      ]);
      await call('post', JOBS_PATH, jobs(ws), jobWithSteps('watched'));
      const events = (name: string, query = '', headers?: Record<string, string>) =>
        callStream(EVENTS_PATH, `${jobs(ws)}/${name}/events${query}`, headers);

      const now = await events('watched');
      expect(now.status).toBe(200);
      const [created] = now.events;
      expect(created.event).toBe('status');
      expect(created.id).toBe(JSON.parse(created.data).cursor);
      expect(JSON.parse(created.data)).toMatchObject({ status: 'created', previous_status: null });

      await call('post', `${JOB_PATH}/cancel`, `${jobs(ws)}/watched/cancel`, {});
      const after = await events('watched', `?after=${created.id}`);
      expect(after.status).toBe(200);
      expect(JSON.parse(after.events[0].data)).toMatchObject({
        status: 'cancelled',
        previous_status: 'created',
      });
      const resumed = await events('watched', '', { 'last-event-id': created.id! });
      expect(resumed.events.map((e) => e.id)).toEqual([after.events[0].id]);

      expect((await events('watched', '', { 'last-event-id': after.events[0].id! })).status).toBe(204);
      expect((await events('absent')).status).toBe(404);
      expect((await events('watched', '?after=nonsense')).status).toBe(422);
    });

    it('members: list 200; add 201, 409, 413, 415, 422; replace 200, 404, 409, 413, 415, 422; remove 200, 404, 409', async () => {
      const ws = uniqueWorkspace();
      const members = `${MEMBERS}/workspaces/${ws}/members`;
      const MEMBERS_PATH = `${MEMBERS}/workspaces/{workspace}/members`;
      const MEMBER_PATH = `${MEMBERS_PATH}/{principal_id}`;
      const add = (body: unknown, headers?: Record<string, string>) =>
        call('post', MEMBERS_PATH, members, body, headers);
      const replace = (who: string, body: unknown, headers?: Record<string, string>) =>
        call('put', MEMBER_PATH, `${members}/${who}`, body, headers);

      expect((await add({ principal: 'ann@example.com', roles: ['Admin'] })).status).toBe(201);
      expect((await add({ principal: 'bob@example.com' })).body.roles).toEqual(['Editor']);
      expect((await add({ principal: 'bob@example.com' })).status).toBe(409);
      expect((await add({ principal: 'x', roles: ['Owner'] })).status).toBe(422);
      expect((await add('who', TEXT_HEADERS)).status).toBe(415);
      expect((await add({ principal: 'x'.repeat(2 << 20) })).status).toBe(413);
      const listed = await call('get', MEMBERS_PATH, members);
      expect(listed.status).toBe(200);
      expect(listed.body.data.map((m: { principal: string }) => m.principal)).toEqual([
        'ann@example.com',
        'bob@example.com',
      ]);

      expect((await replace('bob@example.com', { roles: ['Viewer'] })).status).toBe(200);
      expect((await replace('nobody@example.com', { roles: ['Viewer'] })).status).toBe(404);
      expect((await replace('ann@example.com', { roles: ['Viewer'] })).status).toBe(409);
      expect((await replace('bob@example.com', { roles: [] })).status).toBe(422);
      expect((await replace('bob@example.com', 'Viewer', TEXT_HEADERS)).status).toBe(415);
      expect((await replace('bob@example.com', { roles: ['x'.repeat(2 << 20)] })).status).toBe(413);

      const remove = (who: string) => call('delete', MEMBER_PATH, `${members}/${who}`);
      expect((await remove('ann@example.com')).status).toBe(409);
      expect((await remove('bob@example.com')).status).toBe(200);
      expect((await remove('bob@example.com')).status).toBe(404);
    });

    it('discovery: 200', async () => {
      const res = await call('get', DISCOVERY, DISCOVERY);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ auth_enabled: false });
    });

    describe('with access control on', () => {
      let issuer: OidcIssuer;
      let downIssuer: OidcIssuer;
      beforeAll(async () => {
        [issuer, downIssuer] = await Promise.all([startOidcIssuer(), startOidcIssuer()]);
        downIssuer.setAvailable(false);
      });
      afterAll(async () => {
        await issuer?.close();
        await downIssuer?.close();
      });
      const secured = useGateway(kind, {
        executor: false,
        get access() {
          return issuer.accessSettings();
        },
      });
      const unreachable = useGateway(kind, {
        executor: false,
        get access() {
          return downIssuer.accessSettings();
        },
      });

      /** Every secured operation, with a URL for it (any workspace, job and step names). */
      const securedOperations = () =>
        Object.entries(document.paths).flatMap(([path, methods]) =>
          Object.entries(methods)
            .filter(([, op]) => op.security !== undefined)
            .map(([method, op]) => ({
              method: method as Method,
              path,
              url: path.replace(/\{\w+\}/g, 'someone'),
              op,
            })),
        );

      const ask = (
        { method, path, url }: { method: Method; path: string; url: string },
        headers: Record<string, string>,
        base: string,
      ) =>
        path.endsWith('/events')
          ? callStream(path, url, headers, base)
          : call(method, path, url, method === 'get' || method === 'delete' ? undefined : {}, headers, base);

      it('documents the bearer scheme on every operation but discovery', () => {
        expect(document.components).toHaveProperty(
          'securitySchemes.HTTPBearer',
          expect.objectContaining({
            type: 'http',
            scheme: 'bearer',
          }),
        );
        expect(securedOperations()).toHaveLength(
          Object.values(document.paths).flatMap((methods) => Object.keys(methods)).length - 1,
        );
        expect(document.paths[DISCOVERY].get?.security).toBeUndefined();
      });

      it('every secured operation: 401 without a token, 403 with a token of no scope, 503 without the provider', async () => {
        const noScope = await issuer.mint({ scope: '' });
        const unreachableToken = await downIssuer.mint();
        for (const target of securedOperations()) {
          const what = `${target.method} ${target.path}`;
          const missing = await ask(target, {}, secured.base);
          expect(missing.status, what).toBe(401);
          expect(missing.headers.get('www-authenticate'), what).toBe('Bearer');
          const refused = await ask(target, { authorization: `Bearer ${noScope}` }, secured.base);
          expect(refused.status, what).toBe(403);
          const down = await ask(target, { authorization: `Bearer ${unreachableToken}` }, unreachable.base);
          expect(down.status, what).toBe(503);
        }
      });

      it('discovery: 200 with the provider, 503 without it', async () => {
        const res = await call('get', DISCOVERY, DISCOVERY, undefined, {}, secured.base);
        expect(res.body).toMatchObject({ auth_enabled: true, oidc: { issuer: issuer.url } });
        expect((await call('get', DISCOVERY, DISCOVERY, undefined, {}, unreachable.base)).status).toBe(503);
      });
    });

    it('every documented answer of every operation was received above', () => {
      const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.entries(methods).flatMap(([method, op]) =>
          Object.keys(op.responses).map((status) => `${method} ${path} ${status}`),
        ),
      );
      expect(documented.filter((answer) => !answered.has(answer))).toEqual([]);
    });
  });

  it('serves /docs: one offline HTML page with every operation, linking the document', async () => {
    const res = await http(suite.base, 'GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.text).toMatch(/^<!doctype html>/);
    expect(res.text).toContain('href="openapi.json"');
    expect(res.text).not.toMatch(/<script|<link|https?:\/\//);
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        expect(res.text).toContain(`id="${op.operationId}"`);
        expect(res.text).toContain(`${method.toUpperCase()}</span> <code>${path}</code>`);
        expect(res.text).toContain(op.summary);
      }
    }
    for (const name of Object.keys(document.components.schemas))
      expect(res.text).toContain(`id="schema-${name}"`);
  });
});

describe('the reference page', () => {
  it('escapes what it interpolates', async () => {
    const document = await builtDocument();
    const hostile = '<script>alert("x")</script>';
    const page = referencePage({
      ...document,
      info: { ...document.info, title: hostile, description: `\`${hostile}\`` },
      components: {
        schemas: { ...document.components.schemas, [hostile]: { type: 'string', description: hostile } },
      },
    });
    expect(page).not.toContain('<script');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });
});
