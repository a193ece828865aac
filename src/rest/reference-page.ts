/**
 * `GET /docs`: the OpenAPI document as one readable HTML page, rendered on the server. No script,
 * no CDN: the gateway runs offline. Everything interpolated is escaped.
 */
import {
  isReferenceObject,
  type ContentObject,
  type OpenAPIObject,
  type OperationObject,
  type ParameterObject,
  type ReferenceObject,
  type ResponseObject,
  type SchemaObject,
} from 'openapi3-ts/oas31';

type Schema = SchemaObject | ReferenceObject | boolean | undefined;
/** The gateway's document refers to schemas only; anything else by reference is left out. */
const notReference = <T extends object>(value: T | ReferenceObject): value is T => !isReferenceObject(value);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const escapeHtml = (value: unknown) =>
  String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** Descriptions use Markdown's `code`; nothing else of Markdown. */
const prose = (text: string | undefined) => escapeHtml(text ?? '').replace(/`([^`]+)`/g, '<code>$1</code>');

const REF_PREFIX = '#/components/schemas/';
const anchor = (name: string) => `schema-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
const json = (value: unknown) => `<code>${escapeHtml(JSON.stringify(value))}</code>`;

/** A schema in a few words: `string`, `array of PlatformJobResponse`, a link for a named one. */
function typeOf(schema: Schema): string {
  if (schema === undefined || schema === true) return 'any';
  if (schema === false) return 'nothing';
  if (schema.$ref?.startsWith(REF_PREFIX)) {
    const name = schema.$ref.slice(REF_PREFIX.length);
    return `<a href="#${anchor(name)}">${escapeHtml(name)}</a>`;
  }
  if (isReferenceObject(schema)) return 'any';
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return alternatives.map(typeOf).join(' | ');
  if (schema.const !== undefined) return json(schema.const);
  if (schema.enum) return `one of ${schema.enum.map(json).join(', ')}`;
  if (schema.type === 'array') return `array of ${typeOf(schema.items)}`;
  if (schema.type === 'object') {
    if (schema.properties) return `object {${Object.keys(schema.properties).map(escapeHtml).join(', ')}}`;
    const values = schema.additionalProperties;
    return values && typeof values === 'object' && Object.keys(values).length > 0
      ? `object of ${typeOf(values)}`
      : 'object';
  }
  if (schema.type)
    return escapeHtml([schema.type].flat().join(' | ') + (schema.format ? ` (${schema.format})` : ''));
  return 'any';
}

const SAFE_INTEGER = Number.MAX_SAFE_INTEGER;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Defaults and limits worth reading; zod's ±2^53 integer bounds are not. */
function constraints(schema: Schema): string[] {
  if (typeof schema !== 'object' || isReferenceObject(schema)) return [];
  const notes: string[] = [];
  if (schema.default !== undefined) notes.push(`default ${json(schema.default)}`);
  if (schema.minimum !== undefined && Math.abs(schema.minimum) !== SAFE_INTEGER)
    notes.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined && schema.maximum !== SAFE_INTEGER) notes.push(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined) notes.push(`at least ${plural(schema.minLength, 'character')}`);
  if (schema.minItems !== undefined) notes.push(`at least ${plural(schema.minItems, 'item')}`);
  if (schema.pattern !== undefined && schema.format === undefined)
    notes.push(`matches ${json(schema.pattern)}`);
  if (Array.isArray(schema.examples)) notes.push(`e.g. ${schema.examples.map(json).join(', ')}`);
  return notes;
}

const describe = (schema: Schema) =>
  [typeof schema === 'object' ? prose(schema.description) : '', ...constraints(schema)]
    .filter(Boolean)
    .join('<br>');

function propertiesTable(schema: SchemaObject): string {
  const required = new Set(schema.required ?? []);
  const rows = Object.entries(schema.properties ?? {}).map(
    ([name, property]) =>
      `<tr><td><code>${escapeHtml(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td>` +
      `<td>${typeOf(property)}</td><td>${describe(property)}</td></tr>`,
  );
  return `<table><thead><tr><th>Field</th><th>Type</th><th>Description</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function schemaSection(name: string, schema: SchemaObject | ReferenceObject): string {
  if (isReferenceObject(schema)) {
    return `<section id="${anchor(name)}"><h3>${escapeHtml(name)}</h3><p>${typeOf(schema)}</p></section>`;
  }
  let body: string;
  const variants = schema.oneOf;
  if (variants?.every((variant): variant is SchemaObject => notReference(variant) && !!variant.properties)) {
    const tag = schema.discriminator?.propertyName;
    body = variants
      .map((variant) => {
        const property = tag ? variant.properties?.[tag] : undefined;
        const value: unknown = property && notReference(property) ? property.const : undefined;
        const title = value !== undefined ? `${escapeHtml(tag)} = ${json(value)}` : 'one of';
        return `<h4>${title}</h4>${propertiesTable(variant)}`;
      })
      .join('');
  } else if (schema.properties) {
    body = propertiesTable(schema);
  } else {
    body = `<p>${typeOf({ ...schema, description: undefined })}${constraints(schema).length ? ` (${constraints(schema).join(', ')})` : ''}</p>`;
  }
  return `<section id="${anchor(name)}"><h3>${escapeHtml(name)}</h3><p>${prose(schema.description)}</p>${body}</section>`;
}

/**
 * A JSON body by its schema; an event stream by its events (`x-events`, see ./events.ts), each with
 * its `data:`'s schema.
 */
const mediaType = (media: { schema?: Schema; 'x-events'?: Record<string, Schema> }) =>
  media['x-events']
    ? `event stream of ${Object.entries(media['x-events'])
        .map(([event, data]) => `<code>${escapeHtml(event)}</code> (data: ${typeOf(data)})`)
        .join(', ')}`
    : typeOf(media.schema);

const bodyType = (content: ContentObject | undefined) =>
  content ? Object.values(content).map(mediaType).join(' | ') : '<em>no body</em>';

function operationSection(method: string, path: string, op: OperationObject): string {
  const params = (op.parameters ?? []).filter(notReference<ParameterObject>);
  const parameters = params.length
    ? `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>${params
        .map(
          (p) =>
            `<tr><td><code>${escapeHtml(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ''}</td>` +
            `<td>${escapeHtml(p.in)}</td><td>${typeOf(p.schema)}</td><td>${[prose(p.description), ...constraints(p.schema)].filter(Boolean).join('<br>')}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const requestBody =
    op.requestBody && notReference(op.requestBody)
      ? `<h4>Request body${op.requestBody.required ? ' <span class="req">required</span>' : ''}</h4>` +
        `<p>${Object.keys(op.requestBody.content).map(escapeHtml).join(', ')}: ${bodyType(op.requestBody.content)}` +
        `${op.requestBody.description ? ` — ${prose(op.requestBody.description)}` : ''}</p>`
      : '';
  const answers = Object.entries(op.responses ?? {}).filter((entry): entry is [string, ResponseObject] =>
    notReference(entry[1]),
  );
  const responses = `<h4>Responses</h4><table><thead><tr><th>Status</th><th>Description</th><th>Body</th></tr></thead><tbody>${answers
    .map(
      ([status, response]) =>
        `<tr><td><code>${escapeHtml(status)}</code></td><td>${prose(response.description)}</td><td>${bodyType(response.content)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
  return (
    `<section class="op" id="${escapeHtml(op.operationId ?? '')}">` +
    `<h2><span class="method ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h2>` +
    `<p><strong>${escapeHtml(op.summary ?? '')}</strong>. ${prose(op.description)}</p>${parameters}${requestBody}${responses}</section>`
  );
}

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
code{font:13px ui-monospace,monospace;background:#f3f3f5;padding:0 .25em;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f7f7f9}.op{border-top:2px solid #ddd;margin-top:2rem}h2 code{font-size:1rem;background:none}
.method{display:inline-block;min-width:4.5rem;text-align:center;color:#fff;border-radius:4px;font-size:.85rem;padding:.1rem .4rem}
.get{background:#2b6cb0}.post{background:#2f855a}.patch{background:#b7791f}.delete{background:#c53030}
.req{color:#c53030;font-size:.8rem}nav li{list-style:none}nav ul{padding:0}`;

/** The whole page for `document`. */
export function referencePage(document: OpenAPIObject): string {
  const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ method, path, op: item[method] }] : [])),
  );
  const contents = operations
    .map(
      ({ method, path, op }) =>
        `<li><a href="#${escapeHtml(op.operationId ?? '')}"><span class="method ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></a> ${escapeHtml(op.summary ?? '')}</li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.info.title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(document.info.title)}</h1>
<p>${prose(document.info.description)}</p>
<p>OpenAPI ${escapeHtml(document.openapi)} document: <a href="openapi.json">openapi.json</a></p>
<nav><h2>Operations</h2><ul>${contents}</ul></nav>
${operations.map(({ method, path, op }) => operationSection(method, path, op)).join('\n')}
<h2 class="op">Schemas</h2>
${Object.entries(document.components?.schemas ?? {})
  .map(([name, schema]) => schemaSection(name, schema))
  .join('\n')}
</body></html>
`;
}
