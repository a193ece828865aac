/** Reading JSON request bodies the way FastAPI does: empty is missing, bad JSON is a 422. */
import type { Context } from 'hono';
import { rejectUnstorable, RequestValidationError } from './validation.js';

export class UnsupportedMediaTypeError extends Error {
  constructor(readonly contentType: string) {
    super(`Unsupported media type '${contentType}': send the body as application/json.`);
  }
}

const isJson = (contentType: string) => /^application\/([\w.+-]*\+)?json\b/i.test(contentType);

/** The request's JSON body, or `undefined` when it has none. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  const contentType = c.req.header('content-type') ?? '';
  if (contentType !== '' && !isJson(contentType)) throw new UnsupportedMediaTypeError(contentType);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
    throw new RequestValidationError([
      {
        type: 'json_invalid',
        loc: ['body', position ? Number(position) : 0],
        msg: 'JSON decode error',
        input: {},
        ctx: { error: (error as Error).message },
      },
    ]);
  }
  rejectUnstorable(body, 'body');
  return body;
}

/** A body that the schema requires: absent is FastAPI's "Field required" at `body`. */
export async function requireJsonBody(c: Context): Promise<unknown> {
  const body = await readJsonBody(c);
  if (body === undefined) {
    throw new RequestValidationError([
      { type: 'missing', loc: ['body'], msg: 'Field required', input: null },
    ]);
  }
  return body;
}
