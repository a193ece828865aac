/**
 * Yoga's side of logs and metrics: its log lines through the gateway's logger, the request id on
 * every masked error (so a user can quote it), and the operation name for the access line.
 */
import { getOperationAST, type DocumentNode, type GraphQLError } from 'graphql';
import type { Plugin, YogaLogger } from 'graphql-yoga';
import { maskGraphQLError } from '../graphql/error-mask.js';
import { databaseUnavailable } from '../db/unavailable.js';
import { currentRequest, log } from './request-context.js';

export const yogaLogger: YogaLogger = {
  // Yoga's debug lines narrate each request's phases: below any LOG_LEVEL, as noise.
  debug: (...args: unknown[]) => log().trace(args.map(String).join(' ')),
  info: (...args: unknown[]) => log().info(args.map(String).join(' ')),
  warn: (...args: unknown[]) => log().warn(args.map(String).join(' ')),
  // Yoga calls this once for each error it masks, with the error as thrown.
  error: (error: unknown) => {
    const original = (error as GraphQLError | undefined)?.originalError ?? error;
    // The database being away is a known state (answered SERVICE_UNAVAILABLE), not a bug to trace.
    const unavailable = databaseUnavailable(original);
    if (unavailable) return log().warn(`GraphQL operation without the database (${unavailable.reason})`);
    log().error({ err: original }, 'Unexpected error in a GraphQL operation');
  },
};

/** The gateway's masking (error-mask.ts), plus the request id in the masked error's extensions. */
export function maskWithRequestId(error: unknown, message: string): Error {
  const masked = maskGraphQLError(error, message);
  const requestId = currentRequest()?.requestId;
  // Only an internal error has a log line worth quoting; SERVICE_UNAVAILABLE says all there is.
  if (masked !== error && requestId && (masked as GraphQLError).extensions.code !== 'SERVICE_UNAVAILABLE') {
    (masked as GraphQLError).extensions.requestId = requestId;
  }
  return masked;
}

function noteOperation(document: DocumentNode, operationName?: string | null) {
  const request = currentRequest();
  const name = getOperationAST(document, operationName)?.name?.value;
  if (request && name) request.operation = name;
}

/** Records the operation's name on the request, for its access line. */
export const operationNamePlugin: Plugin = {
  onExecute: ({ args }) =>
    noteOperation(args.document as DocumentNode, args.operationName as string | undefined),
  onSubscribe: ({ args }) =>
    noteOperation(args.document as DocumentNode, args.operationName as string | undefined),
};
