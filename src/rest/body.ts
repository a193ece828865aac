/**
 * Request bodies on the REST door: how large they may be, and reading JSON ones the way FastAPI
 * does (empty is missing, bad JSON is a 422).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { MAX_BODY_BYTES } from '../support/request-limits.js';
import { rejectUnstorable, RequestValidationError } from './validation.js';

// The unread rest of the body is still on the socket: close it rather than reuse it.
const tooLarge = (c: Context) =>
  c.json({ detail: `Request body is larger than ${MAX_BODY_BYTES} bytes.` }, 413, { connection: 'close' });

/** Counts a chunked body's bytes as they arrive (it builds a web Request and stream to do so). */
const streamingLimit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });

/**
 * Bodies over MAX_BODY_BYTES are refused with 413. A body with a `Content-Length` (every JSON
 * client's) is decided from that header before anything is read, and then read straight from the
 * socket; only a chunked body is counted as it streams. Hono's own limit looks at the body stream
 * first, which turns every request into a web Request with web streams.
 */
export const restBodyLimit: MiddlewareHandler = (c, next) => {
  const chunked = c.req.header('transfer-encoding') !== undefined;
  if (chunked) return streamingLimit(c, next);
  const length = c.req.header('content-length');
  return length !== undefined && Number(length) > MAX_BODY_BYTES ? Promise.resolve(tooLarge(c)) : next();
};

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
