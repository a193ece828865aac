/**
 * What a GraphQL client sees of an error the schema did not mean to show, on every door (HTTP,
 * SSE, graphql-ws): "Unexpected error." with code INTERNAL_SERVER_ERROR, except when the database
 * is unavailable, which is a SERVICE_UNAVAILABLE error the client may retry.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import { maskError, type Plugin } from 'graphql-yoga';
import { databaseUnavailable, RETRY_AFTER_SECONDS } from '../db/unavailable.js';

export const UNEXPECTED_ERROR_MESSAGE = 'Unexpected error.';

/**
 * Variables that do not fit their declared types (a number for a `String!`, a required one left
 * out, an `Int` out of range) are refused by graphql-js before anything runs, with errors that carry
 * no code and no path (only HTTP status 400): a client's mistake in an argument, BAD_USER_INPUT like the others. The code
 * is added in place, so the error is still shown as it is.
 */
function codeRequestError(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.path) return false;
  // A value refused by its scalar keeps the scalar's GraphQLError as its cause; anything else is internal.
  if (error.originalError && !(error.originalError instanceof GraphQLError)) return false;
  if (error.extensions.code !== undefined) return false;
  (error.extensions as Record<string, unknown>).code = 'BAD_USER_INPUT';
  return true;
}

export function maskGraphQLError(error: unknown, message = UNEXPECTED_ERROR_MESSAGE): Error {
  if (codeRequestError(error)) return error as GraphQLError;
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const unavailable = databaseUnavailable(original);
  if (!unavailable) return maskError(error, message);
  const located = error instanceof GraphQLError ? error : undefined;
  return new GraphQLError(unavailable.message, {
    nodes: located?.nodes,
    source: located?.source,
    positions: located?.positions,
    path: located?.path,
    extensions: { code: 'SERVICE_UNAVAILABLE' },
  });
}

/** Whether the masked error is the database being unavailable. */
const isUnavailable = (error: GraphQLError) => error.extensions.code === 'SERVICE_UNAVAILABLE';

/**
 * HTTP 503 with Retry-After when the database being unavailable cost the whole answer: no data,
 * or every field asked for null. A partial answer stays 200, its errors saying what is missing.
 */
export const serviceUnavailableStatus: Plugin = {
  onResultProcess(payload) {
    const { result } = payload;
    if (Array.isArray(result) || !isSingleResult(result)) return;
    const { data, errors } = result;
    if (!errors?.some(isUnavailable)) return;
    if (data && Object.values(data).some((value) => value !== null)) return;
    payload.setResult({
      ...result,
      extensions: {
        ...result.extensions,
        http: { status: 503, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } },
      },
    });
  },
};

const isSingleResult = (result: unknown): result is ExecutionResult =>
  typeof result === 'object' && result !== null && !(Symbol.asyncIterator in result);
