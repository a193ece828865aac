/**
 * The OpenAPI 3.1 document of the REST door. Its operations are the routes' own objects
 * (@hono/zod-openapi); the shapes they accept and answer are the named components of ./schemas.ts,
 * converted with zod's own `z.toJSONSchema` in the form each is used in, which the routes refer to
 * by name (`componentRef`).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type {
  OpenAPIObject,
  OperationObject,
  ReferenceObject,
  ResponseObject,
  ResponsesObject,
  SchemaObject,
} from 'openapi3-ts/oas31';
import { z } from 'zod';
import { BEARER_SCHEME, type AccessEnv } from './access.js';
import { components, requestBodies } from './schemas.js';

type JsonSchema = z.core.JSONSchema.JSONSchema;
type Io = 'input' | 'output';
type Naming = (id: string, io: Io) => string;

const REF_PREFIX = '#/components/schemas/';

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
    // A request body may transform what it reads (member roles are put in order); its output form
    // is never used (componentRef refuses it), so it need not be representable.
    unrepresentable: io === 'output' ? 'any' : 'throw',
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

/**
 * Names each component once per form it is used in. Request bodies use the input form (a field
 * with a default is optional), responses the output form (it is always there). A shape used both
 * ways whose forms differ, or that refers to one that does, becomes `<id>Input` and `<id>Output`,
 * as pydantic names them upstream (`PlatformJobSpecOutput`); every other shape keeps its id.
 */
function nameComponents() {
  const plain: Naming = (id) => id;
  const forms = { input: convertComponents('input', plain), output: convertComponents('output', plain) };
  const bodies = new Set(requestBodies.map(componentId));
  const used = {
    input: closure(bodies, forms.input),
    output: closure(
      Object.keys(forms.output).filter((id) => !bodies.has(id)),
      forms.output,
    ),
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

const { naming, used } = nameComponents();

/** A reference to `schema`'s component in the form a request body (input) or an answer (output) has. */
export function componentRef(schema: z.ZodType, io: Io): ReferenceObject {
  const id = componentId(schema);
  if (!used[io].has(id)) {
    throw new Error(`${id} is not a shape of a ${io === 'input' ? 'request body' : 'response'} (schemas.ts)`);
  }
  return { $ref: REF_PREFIX + naming(id, io) };
}

const refusal = (description: string, headers?: ResponseObject['headers']): ResponseObject => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: { $ref: `${REF_PREFIX}HTTPError` } } },
});

/**
 * What every secured operation can answer before it runs, when access control is on: its
 * caller's token refused, its operation refused, or the identity provider out of reach.
 */
const refusals: ResponsesObject = {
  401: refusal('No valid bearer token: missing, malformed, expired, or not from an accepted issuer', {
    'WWW-Authenticate': {
      description: 'The bearer challenge (RFC 6750), with the reason for a token that was refused.',
      schema: { type: 'string' },
    },
  }),
  403: refusal(
    'The caller may not do this here (its roles in the workspace or its token’s scopes); the same answer ' +
      'whether the job exists or not',
  ),
  503: refusal('The identity provider could not be reached to check the token', {
    'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'string' } },
  }),
};

/** Every operation that declares the bearer scheme also documents its refusals. */
function withRefusals(document: OpenAPIObject): OpenAPIObject {
  for (const methods of Object.values(document.paths ?? {})) {
    for (const op of Object.values(methods) as OperationObject[]) {
      if (op.security?.some((requirement) => BEARER_SCHEME in requirement)) {
        op.responses = { ...op.responses, ...refusals };
      }
    }
  }
  return document;
}

/** The document of the routes registered on `app`, with the components they refer to. */
export function openApiDocument(app: OpenAPIHono<AccessEnv>): OpenAPIObject {
  app.openAPIRegistry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'An access token of the configured OIDC identity provider, when access control is on ' +
      '(`GET /apis/auth/discovery` says whether it is, and where to log in).',
  });
  for (const io of ['input', 'output'] as const) {
    const form = convertComponents(io, naming);
    for (const id of used[io]) {
      app.openAPIRegistry.registerComponent('schemas', naming(id, io), form[id] as SchemaObject);
    }
  }
  const document = app.getOpenAPI31Document(
    {
      openapi: '3.1.0',
      info: {
        title: 'NeMo Platform Jobs API v2 (gateway)',
        version: '2.0.0',
        description:
          'The REST door of the jobs gateway, compatible with the NeMo Platform Jobs API v2, with the ' +
          'platform’s workspace members API and auth discovery. ' +
          'The same jobs are served over GraphQL at `/graphql`.',
      },
      tags: [
        { name: 'jobs', description: 'Platform jobs, their steps and their lifecycle.' },
        { name: 'members', description: 'Who holds which roles in a workspace.' },
        { name: 'auth', description: 'How to authenticate with this gateway.' },
      ],
    },
    { sortComponents: 'alphabetically' },
  );
  return withRefusals(document);
}
