/**
 * The REST operations as the served OpenAPI document declares them, for suites that must cover
 * every route without listing them (a new route is covered once it is documented): method, path
 * template, parameters, request body and documented answers, and a request body built from the
 * body's schema.
 */
import { request } from 'node:http';

type Schema = Record<string, any>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema: Schema;
}

export interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
  /** The answers the document lists. */
  statuses: number[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, Schema> };
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content?.['application/json']?.schema,
      statuses: Object.keys(op.responses ?? {}).map(Number),
    })),
  );
}

/**
 * A value `schema` accepts, as far as a short walk can tell: its example or default, else the
 * first choice of each union and the required properties of each object. Good enough to reach
 * the checks past the first one; the fuzz suites then break it in one place.
 */
export function exampleOf(schema: Schema | undefined, document: OpenApiDocument, depth = 0): unknown {
  if (!schema || depth > 12) return {};
  if (schema.$ref) {
    const name = String(schema.$ref).split('/').pop()!;
    return exampleOf(document.components?.schemas?.[name], document, depth + 1);
  }
  if ('example' in schema) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if ('default' in schema) return schema.default;
  const choices = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(choices)) {
    const first = choices.find((c: Schema) => c.type !== 'null') ?? choices[0];
    return exampleOf(first, document, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...schema.allOf.map((s: Schema) => exampleOf(s, document, depth + 1)));
  }
  switch (schema.type) {
    case 'object': {
      const required: string[] = schema.required ?? [];
      return Object.fromEntries(
        required.map((key) => [key, exampleOf(schema.properties?.[key], document, depth + 1)]),
      );
    }
    case 'array':
      return [exampleOf(schema.items, document, depth + 1)];
    case 'string':
      if (schema.format === 'date-time') return new Date(0).toISOString();
      return 'fuzz'.padEnd(schema.minLength ?? 1, 'z');
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    default:
      return {};
  }
}

/** Every path to a value inside `value`, the root ([]) included. */
export function pathsIn(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const paths = [at];
  if (Array.isArray(value)) value.forEach((v, i) => paths.push(...pathsIn(v, [...at, i])));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) paths.push(...pathsIn(v, [...at, k]));
  }
  return paths;
}

/** A copy of `value` with `replacement` at `path`. */
export function replaceAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  copy[head] = replaceAt(copy[head], rest, replacement);
  return copy;
}

export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
}

/**
 * An HTTP request with its path sent exactly as given (already percent-encoded, wrong encodings
 * included). An event stream answered 200 is closed at once: its headers are the answer.
 */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      // A connection of its own: a request refused before its body was read may leave the connection closing.
      { host: url.hostname, port: url.port, method, path, headers: options.headers, agent: false },
      (res) => {
        const contentType = String(res.headers['content-type'] ?? '');
        if (contentType.startsWith('text/event-stream') && res.statusCode === 200) {
          res.destroy();
          resolve({ status: 200, contentType, text: '' });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}
