/** Domain errors to the upstream API's status codes and `{"detail": …}` bodies. */
import type { Context } from 'hono';
import { databaseUnavailable, RETRY_AFTER_SECONDS } from '../db/unavailable.js';
import {
  AuthenticationError,
  IdentityProviderUnavailableError,
  LastAdminError,
  MemberAlreadyExistsError,
  MemberNotFoundError,
  PermissionDeniedError,
} from '../access/index.js';
import { InvalidCursorError } from '../events/cursor.js';
import {
  InvalidJobSpecError,
  JobAlreadyExistsError,
  JobNotFoundError,
  JobStateConflictError,
  ResultAlreadyExistsError,
  ResultNotFoundError,
  ResultTooLargeError,
  StepNotFoundError,
  StepTransitionError,
  TaskNotFoundError,
} from '../jobs/errors.js';
import { restLog, restRequest } from '../observability/rest-route.js';
import { UnsupportedMediaTypeError } from './body.js';
import { UnknownFilterError } from './list-query.js';
import { RequestValidationError } from './validation.js';

/** The upstream SDK retries a 409 unless told not to; a business conflict will not go away. */
const NO_RETRY = { 'x-should-retry': 'false' };

export function restError(error: Error, c: Context): Response {
  if (error instanceof AuthenticationError) {
    return c.json({ detail: error.message }, 401, { 'www-authenticate': error.challenge });
  }
  if (error instanceof PermissionDeniedError) return c.json({ detail: error.message }, 403);
  if (error instanceof IdentityProviderUnavailableError) {
    return c.json({ detail: error.message }, 503, { 'retry-after': '5' });
  }
  if (error instanceof MemberNotFoundError) return c.json({ detail: error.message }, 404);
  if (error instanceof MemberAlreadyExistsError || error instanceof LastAdminError) {
    return c.json({ detail: error.message }, 409, NO_RETRY);
  }
  if (error instanceof RequestValidationError) return c.json({ detail: error.detail }, 422);
  if (
    error instanceof JobNotFoundError ||
    error instanceof StepNotFoundError ||
    error instanceof TaskNotFoundError ||
    error instanceof ResultNotFoundError
  ) {
    return c.json({ detail: error.message }, 404);
  }
  // The unread rest of the upload is still on the socket: close it rather than reuse it.
  if (error instanceof ResultTooLargeError)
    return c.json({ detail: error.message }, 413, { connection: 'close' });
  if (
    error instanceof JobAlreadyExistsError ||
    error instanceof ResultAlreadyExistsError ||
    error instanceof JobStateConflictError ||
    error instanceof StepTransitionError
  ) {
    return c.json({ detail: error.message }, 409, NO_RETRY);
  }
  if (error instanceof InvalidJobSpecError || error instanceof InvalidCursorError) {
    return c.json({ detail: error.message }, 422);
  }
  if (error instanceof UnknownFilterError) return c.json({ detail: error.message }, 400);
  if (error instanceof UnsupportedMediaTypeError) return c.json({ detail: error.message }, 415);
  const unavailable = databaseUnavailable(error);
  if (unavailable) {
    // The client is told only to retry; the operator reads why, on the line with its request id.
    restLog(c).warn(`REST request without the database (${unavailable.reason})`);
    return c.json({ detail: unavailable.message }, 503, { 'retry-after': String(RETRY_AFTER_SECONDS) });
  }
  // Logged once, with its stack; the client gets the request id to quote, never the stack.
  restLog(c).error({ err: error }, 'Unhandled error in REST handler');
  return c.json({ detail: 'Internal Server Error', request_id: restRequest(c)?.requestId }, 500);
}
