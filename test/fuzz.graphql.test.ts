/**
 * Hostile input to every GraphQL argument. The root fields and their arguments are read from the
 * schema by introspection, so a new field or argument is fuzzed as soon as it exists. Each
 * generated operation passes one argument a hostile value (as a variable, or written into the
 * document), the others valid ones, and must get data, a typed error result or errors with a
 * client-error code (never INTERNAL_SERVER_ERROR or "Unexpected error."); a refused operation
 * must write no row, the server must answer a probe afterwards, and nothing may be logged at
 * error level. FC_SEED/FC_PATH replay a failure.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps } from './support/fixtures.js';
import { capturedLogger, errorLines, rowCounts } from './support/fuzz.js';
import { http, JOBS, subscribe, useGateway, wsClient } from './support/gateway.js';
import { hostileJson, hostileString } from './support/hostile.js';
import { pathsIn, replaceAt } from './support/openapi-operations.js';
import { propertyOptions, propertyTimeoutMs } from './support/properties.js';

/** Codes of a client's mistake (README "Limits"), and NOT_FOUND for a subscription to a job that is not there. */
const CLIENT_CODES = [
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'PAYLOAD_TOO_LARGE',
  'NOT_FOUND',
];

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface Field {
  name: string;
  args: { name: string; type: TypeRef }[];
  type: TypeRef;
}
interface SchemaType {
  kind: string;
  name: string;
  fields: Field[] | null;
  inputFields: { name: string; type: TypeRef }[] | null;
  enumValues: { name: string }[] | null;
}

const TYPE_REF =
  'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';
const INTROSPECTION = /* GraphQL */ `{
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types {
      kind
      name
      fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } }
      inputFields { name type { ${TYPE_REF} } }
      enumValues { name }
    }
  }
}`;

const printType = (t: TypeRef): string =>
  t.kind === 'NON_NULL'
    ? `${printType(t.ofType!)}!`
    : t.kind === 'LIST'
      ? `[${printType(t.ofType!)}]`
      : t.name!;
const named = (t: TypeRef): TypeRef => (t.ofType ? named(t.ofType) : t);

/** The workspace, job and step that exist, so that some operations get past the lookup. */
const REAL: Record<string, string> = {
  workspace: 'fuzz',
  name: 'fuzz-target',
  principal: 'someone@example.com',
};

/** A root field of one operation type, with everything needed to call it. */
interface RootField {
  operation: 'query' | 'mutation' | 'subscription';
  field: Field;
}

interface Fuzzed {
  query: string;
  variables: Record<string, unknown>;
  root: RootField;
}

/** GraphQL literal syntax for a value, where it has one (object keys must be names). */
function literal(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const items = value.map(literal);
    return items.every((i) => i !== undefined) ? `[${items.join(', ')}]` : undefined;
  }
  const entries = Object.entries(value as object).map(([k, v]) =>
    /^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? `${k}: ${literal(v)}` : undefined,
  );
  return entries.every((e) => e !== undefined && !e.endsWith('undefined'))
    ? `{${entries.join(', ')}}`
    : undefined;
}

describe.each(databaseKinds)('hostile input to every GraphQL argument, on $name', (kind) => {
  const logs = capturedLogger();
  const suite = useGateway(kind, { executor: false, logger: logs.logger });
  let roots: RootField[];
  let types: Map<string, SchemaType>;

  beforeAll(async () => {
    const res = await http(suite.base, 'POST', '/graphql', { query: INTROSPECTION });
    const schema = res.body.data.__schema;
    types = new Map((schema.types as SchemaType[]).map((t) => [t.name, t]));
    roots = (['query', 'mutation', 'subscription'] as const).flatMap((operation) => {
      const type = schema[`${operation}Type`] as { name: string } | null;
      return type ? types.get(type.name)!.fields!.map((field) => ({ operation, field })) : [];
    });
    const create = await http(
      suite.base,
      'POST',
      `${JOBS}/workspaces/${REAL.workspace}/jobs`,
      jobWithSteps(REAL.name),
    );
    expect(create.status).toBe(201);
  });

  /** A value of type `t` the schema accepts (as far as its types say). */
  function validValue(t: TypeRef, argName: string, depth = 0): unknown {
    if (t.kind === 'NON_NULL') return validValue(t.ofType!, argName, depth);
    if (t.kind === 'LIST') return [validValue(t.ofType!, argName, depth + 1)];
    const type = types.get(t.name!)!;
    switch (type.kind) {
      case 'ENUM':
        return type.enumValues![0].name;
      case 'INPUT_OBJECT':
        return Object.fromEntries(
          (type.inputFields ?? [])
            .filter((f) => f.type.kind === 'NON_NULL' && depth < 8)
            .map((f) => [f.name, validValue(f.type, f.name, depth + 1)]),
        );
      default:
        switch (type.name) {
          case 'Int':
            return 1;
          case 'Float':
            return 1.5;
          case 'Boolean':
            return true;
          case 'JSON':
            return {};
          case 'DateTime':
            return new Date(0).toISOString();
          default:
            return REAL[argName] ?? 'fuzz-value';
        }
    }
  }

  /** An operation calling `root` with one argument (or a place inside it) made hostile. */
  function fuzzedOperation(root: RootField): fc.Arbitrary<Fuzzed> {
    const { field } = root;
    // Required arguments get valid values; optional ones are left out unless they are the target.
    const valid = Object.fromEntries(
      field.args.filter((a) => a.type.kind === 'NON_NULL').map((a) => [a.name, validValue(a.type, a.name)]),
    );
    const places = field.args.flatMap((a) =>
      a.name in valid ? pathsIn(valid[a.name]).map((path) => [a.name, ...path]) : [[a.name]],
    );
    const selection = ['OBJECT', 'UNION', 'INTERFACE'].includes(types.get(named(field.type).name!)!.kind)
      ? ' { __typename }'
      : '';
    return fc
      .record({
        at: fc.constantFrom(...(places.length ? places : [[]])),
        value: fc.oneof({ weight: 2, arbitrary: hostileString }, { weight: 1, arbitrary: hostileJson }),
        inline: fc.boolean(),
      })
      .map(({ at, value, inline }) => {
        const args = at.length ? (replaceAt(valid, at, value) as Record<string, unknown>) : valid;
        const given = field.args.filter((a) => a.name in args);
        const written = inline ? Object.fromEntries(given.map((a) => [a.name, literal(args[a.name])])) : {};
        const asVariable = given.filter((a) => written[a.name] === undefined);
        const declared = asVariable.map((a) => `$${a.name}: ${printType(a.type)}`).join(', ');
        const passed = given.map((a) => `${a.name}: ${written[a.name] ?? `$${a.name}`}`).join(', ');
        return {
          query: `${root.operation} Fuzz${declared ? `(${declared})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`,
          variables: Object.fromEntries(asVariable.map((a) => [a.name, args[a.name]])),
          root,
        };
      });
  }

  it('reads every root field from the schema, mutations and subscriptions among them', () => {
    const names = roots.map((r) => `${r.operation} ${r.field.name}`);
    expect(names).toEqual(
      expect.arrayContaining(['query jobs', 'mutation pauseJob', 'subscription jobStatus']),
    );
  });

  // Found by this suite: graphql-js refuses such variables before anything runs, without a code.
  it('answers a variable of the wrong type, out of range or left out with BAD_USER_INPUT, over HTTP and graphql-ws', async () => {
    const query = 'query Pinned($w: String!, $f: Int) { jobs(workspace: $w, first: $f) { totalCount } }';
    const cases = [{ w: 0 }, { w: 'fuzz', f: 1e300 }, { f: 1 }];
    const client = wsClient(suite.base);
    try {
      for (const variables of cases) {
        const overHttp = await http(suite.base, 'POST', '/graphql', { query, variables });
        expect(overHttp.status).toBeLessThan(500);
        expect(overHttp.body.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
        const overWs = subscribe(client, query, variables);
        await overWs.until(() => overWs.completed);
        expect(overWs.errors.map((e: any) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      }
    } finally {
      await client.dispose();
    }
    expect(errorLines(logs.lines)).toEqual([]);
  });

  // Found by this suite: the name is part of index keys, and an insert of a longer one was an internal error.
  it('answers a workspace name over 255 characters with a ValidationError where it would be written', async () => {
    const db = suite.server.gateway.database.db;
    const before = await rowCounts(db);
    const workspace = 'w'.repeat(200) + randomBytes(1500).toString('hex');
    const results = await http(suite.base, 'POST', '/graphql', {
      query: `mutation Long($w: String!, $job: CreateJobInput!, $member: WorkspaceMemberInput!) {
        createJob(workspace: $w, input: $job) { __typename ... on ValidationError { issues { path } } }
        addWorkspaceMember(workspace: $w, input: $member) { __typename }
        replaceWorkspaceMemberRoles(workspace: $w, principal: "someone@example.com", roles: [Viewer]) { __typename }
      }`,
      variables: {
        w: workspace,
        job: {
          source: 'tests',
          spec: {},
          platformSpec: {
            steps: [{ name: 'step-a', executor: { provider: 'CPU', container: { image: 'busybox' } } }],
          },
        },
        member: { principal: 'someone@example.com' },
      },
    });
    expect(results.body.errors).toBeUndefined();
    expect(results.body.data).toEqual({
      createJob: { __typename: 'ValidationError', issues: [{ path: ['workspace'] }] },
      addWorkspaceMember: { __typename: 'ValidationError' },
      replaceWorkspaceMemberRoles: { __typename: 'ValidationError' },
    });
    expect(await rowCounts(db)).toEqual(before);
    expect(errorLines(logs.lines)).toEqual([]);
  });

  it(
    'answers data, a typed error or a client error, writes nothing when it refuses, and stays up',
    async () => {
      const db = suite.server.gateway.database.db;
      const operations = fc
        .constantFrom(...roots.filter((r) => r.field.args.length > 0))
        .chain(fuzzedOperation);
      await fc.assert(
        fc.asyncProperty(operations, async ({ query, variables, root }) => {
          const before = await rowCounts(db);
          // A subscription that would start is answered 406 without an event stream: the arguments passed.
          const res = await http(suite.base, 'POST', '/graphql', JSON.stringify({ query, variables }), {
            accept: 'application/json',
          });
          const what = `${query.slice(0, 400)} ${JSON.stringify(variables).slice(0, 400)} answered ${res.status} ${res.text.slice(0, 400)}`;
          expect(res.status, what).toBeLessThan(500);
          if (root.operation === 'subscription' && res.status === 406) return;
          const errors: { message: string; extensions?: { code?: string } }[] = res.body?.errors ?? [];
          for (const error of errors) {
            expect(CLIENT_CODES, what).toContain(error.extensions?.code);
            expect(error.message, what).not.toBe('Unexpected error.');
          }
          const typename: string | undefined = res.body?.data?.[root.field.name]?.__typename;
          const refused = errors.length > 0 || typename?.endsWith('Error') === true;
          if (refused) expect(await rowCounts(db), what).toEqual(before);
          expect((await http(suite.base, 'GET', '/healthz')).status, `after ${what}`).toBe(200);
        }),
        propertyOptions(300),
      );
      expect(errorLines(logs.lines)).toEqual([]);
    },
    propertyTimeoutMs(300),
  );
});
