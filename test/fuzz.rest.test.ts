/**
 * Hostile input to every REST route. The routes, their parameters and their bodies are read from
 * the served `/openapi.json`, so a new route is fuzzed as soon as it is documented. Each generated
 * request (hostile path segments, query values, headers, bodies built from the body's schema and
 * broken in one place, bodies that are not JSON) must get a success or a client error with a JSON
 * `detail` (never a 5xx), a client error must write no row, the server must answer a probe
 * afterwards, and nothing may be logged at error level. FC_SEED/FC_PATH replay a failure.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { capturedLogger, errorLines, rowCounts } from './support/fuzz.js';
import { jobWithSteps } from './support/fixtures.js';
import { http, JOBS, useGateway } from './support/gateway.js';
import {
  hostileJson,
  hostileNumber,
  hostileRawBody,
  hostileSegment,
  hostileString,
  percentEncode,
} from './support/hostile.js';
import {
  exampleOf,
  operationsOf,
  pathsIn,
  rawRequest,
  replaceAt,
  type OpenApiDocument,
  type Operation,
} from './support/openapi-operations.js';
import { propertyOptions, propertyTimeoutMs } from './support/properties.js';

/** The client errors the REST door answers (README "Failure behaviour" and "Limits"). */
const CLIENT_ERRORS = [400, 404, 405, 409, 411, 413, 415, 422];
/** Node's HTTP server answers a request line and headers over 16 KiB itself, before the gateway sees it. */
const HEADERS_TOO_LARGE = 431;
/** What a request's head holds besides its path and generated headers, at most. */
const HEAD_ALLOWANCE_BYTES = 256;

/** A workspace, job and step that exist, so that some hostile requests get past the lookup. */
const REAL = {
  workspace: 'fuzz',
  name: 'fuzz-target',
  job: 'fuzz-target',
  principal_id: 'someone@example.com',
};
const valid = (param: string) => REAL[param as keyof typeof REAL] ?? 'step-a';

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** The operation it was built for, for the failure message. */
  operation: string;
}

/** Header values Node will send: printable Latin-1 only. */
const headerValue = hostileString.filter((s) => /^[\x20-\x7e\xa0-\xff]*$/.test(s) && s.length < 8_000);

const queryValue = fc.oneof(
  hostileString.map(percentEncode),
  hostileNumber.map((n) => String(n)),
  fc.constantFrom('', '1e999', '-0', '0x10', '1_000', '%00', '%zz', 'a,b,,c', '[]'),
);

function requestFor(op: Operation, document: OpenApiDocument): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const headerParams = op.parameters.filter((p) => p.in === 'header');

  const segments = fc.tuple(
    ...pathParams.map((p) =>
      fc.oneof(
        { weight: 2, arbitrary: hostileSegment },
        { weight: 1, arbitrary: fc.constant(valid(p.name)) },
      ),
    ),
  );
  const query = fc.array(
    fc.tuple(
      fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constantFrom(...(queryParams.length ? queryParams.map((p) => p.name) : ['x'])),
        },
        { weight: 1, arbitrary: hostileString.map(percentEncode) },
      ),
      queryValue,
    ),
    { maxLength: 3 },
  );
  const headers = fc.record(Object.fromEntries(headerParams.map((p) => [p.name, headerValue])), {
    requiredKeys: [],
  });

  const base = exampleOf(op.body, document);
  const paths = pathsIn(base);
  const body: fc.Arbitrary<{ body?: string | Buffer; contentType?: string }> = op.body
    ? fc.record({
        body: fc.oneof(
          { weight: 1, arbitrary: fc.constant(JSON.stringify(base)) },
          {
            weight: 5,
            arbitrary: fc
              .tuple(fc.constantFrom(...paths), fc.option(hostileString, { nil: undefined }), hostileJson)
              .map(([at, extraKey, value]) =>
                JSON.stringify(replaceAt(base, extraKey === undefined ? at : [...at, extraKey], value)),
              ),
          },
          { weight: 2, arbitrary: hostileRawBody },
        ),
        contentType: fc.oneof(
          { weight: 8, arbitrary: fc.constant('application/json') },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              'text/plain',
              'application/x-www-form-urlencoded',
              'application/json; charset=utf-16',
              'multipart/form-data; boundary=x',
            ),
          },
          { weight: 1, arbitrary: fc.constant(undefined) },
        ),
      })
    : fc.constant({});

  return fc
    .record({ segments, query, headers, body })
    .map(({ segments: values, query: pairs, headers: h, body: b }) => {
      let path = op.path;
      pathParams.forEach((p, i) => (path = path.replace(`{${p.name}}`, values[i])));
      const qs = pairs.map(([k, v]) => `${percentEncode(k)}=${v}`).join('&');
      const sent: Record<string, string> = { ...(h as Record<string, string>) };
      if (b.contentType) sent['content-type'] = b.contentType;
      return {
        method: op.method,
        path: qs ? `${path}?${qs}` : path,
        headers: sent,
        body: b.body,
        operation: `${op.method} ${op.path}`,
      };
    });
}

describe.each(databaseKinds)('hostile input to every REST route, on $name', (kind) => {
  const logs = capturedLogger();
  const suite = useGateway(kind, { executor: false, logger: logs.logger });
  let document: OpenApiDocument;
  let operations: Operation[];

  beforeAll(async () => {
    document = (await http(suite.base, 'GET', '/openapi.json')).body;
    operations = operationsOf(document);
  });

  /** The target job again if a fuzzed request happened to cancel and delete it. */
  async function keepTarget() {
    const target = `${JOBS}/workspaces/${REAL.workspace}/jobs/${REAL.name}`;
    if ((await http(suite.base, 'GET', target)).status === 200) return;
    const create = await http(
      suite.base,
      'POST',
      `${JOBS}/workspaces/${REAL.workspace}/jobs`,
      jobWithSteps(REAL.name, 2),
    );
    expect(create.status).toBe(201);
  }

  it('reads every operation from the document, the step report and the members API among them', () => {
    const names = operations.map((op) => `${op.method} ${op.path}`);
    expect(names).toContain(`PATCH ${JOBS}/workspaces/{workspace}/jobs/{job}/steps/{name}/status`);
    expect(names).toContain('PUT /apis/entities/v2/workspaces/{workspace}/members/{principal_id}');
    expect(operations.length).toBeGreaterThanOrEqual(15);
  });

  // Found by this suite: the name is part of index keys, and an insert of a longer one failed with a 500.
  it('refuses a workspace name over 255 characters where it would be written, and writes nothing', async () => {
    const db = suite.server.gateway.database.db;
    const before = await rowCounts(db);
    const workspace = 'w'.repeat(200) + randomBytes(1500).toString('hex');
    const job = await http(suite.base, 'POST', `${JOBS}/workspaces/${workspace}/jobs`, jobWithSteps('long'));
    const member = await http(suite.base, 'POST', `/apis/entities/v2/workspaces/${workspace}/members`, {
      principal: 'someone@example.com',
    });
    for (const res of [job, member]) {
      expect(res.status).toBe(422);
      expect(res.body.detail[0]).toMatchObject({ type: 'string_too_long', loc: ['path', 'workspace'] });
    }
    expect(await rowCounts(db)).toEqual(before);
    expect(errorLines(logs.lines)).toEqual([]);
  });

  it(
    'answers a success or a client error with a JSON detail, writes nothing on an error, and stays up',
    async () => {
      const db = suite.server.gateway.database.db;
      const requests = fc.constantFrom(...operations).chain((op) => requestFor(op, document));
      await fc.assert(
        fc.asyncProperty(requests, async (req) => {
          await keepTarget();
          const before = await rowCounts(db);
          const answer = await rawRequest(suite.base, req.method, req.path, {
            headers: req.headers,
            body: req.body,
          });
          const what = `${req.operation} as ${req.method} ${req.path.slice(0, 300)} answered ${answer.status} ${answer.text.slice(0, 300)}`;
          expect(answer.status, what).toBeLessThan(500);
          if (answer.status === HEADERS_TOO_LARGE) {
            // Node's 16 KB counts the whole head: the request line and the client's own headers
            // (Host, Connection, Content-Length) too, which the path and the generated headers leave out.
            expect(req.path.length + JSON.stringify(req.headers).length, what).toBeGreaterThan(
              16 * 1024 - HEAD_ALLOWANCE_BYTES,
            );
          } else if (answer.status >= 400) {
            expect(CLIENT_ERRORS, what).toContain(answer.status);
            expect(answer.contentType, what).toMatch(/^application\/json/);
            expect(JSON.parse(answer.text), what).toHaveProperty('detail');
            expect(await rowCounts(db), what).toEqual(before);
          }
          expect(({} as Record<string, unknown>).polluted, 'Object.prototype polluted').toBeUndefined();
          expect((await http(suite.base, 'GET', '/healthz')).status, `after ${what}`).toBe(200);
        }),
        propertyOptions(400),
      );
      expect(errorLines(logs.lines)).toEqual([]);
    },
    propertyTimeoutMs(400),
  );
});
