/**
 * Yoga's side of logs and metrics: its log lines through the gateway's logger, an unexpected
 * error logged on its request's lines and masked with the request id (so a user can quote it),
 * and the operation name for the access line.
 */
import type { IncomingMessage } from 'node:http';
import { getOperationAST, type DocumentNode, type ExecutionResult, type GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin, type YogaLogger } from 'graphql-yoga';
import { maskGraphQLError } from '../graphql/error-mask.js';
import { databaseUnavailable } from '../db/unavailable.js';
import type { Logger } from './logger.js';
import { log, requestContext } from './request-context.js';

/** One line for an error the client sees masked: its stack, or why the database is away. */
function logMasked(logger: Logger, error: unknown) {
  const original = (error as GraphQLError | undefined)?.originalError ?? error;
  // The database being away is a known state (answered SERVICE_UNAVAILABLE), not a bug to trace.
  const unavailable = databaseUnavailable(original);
  if (unavailable) return logger.warn(`GraphQL operation without the database (${unavailable.reason})`);
  logger.error({ err: original }, 'Unexpected error in a GraphQL operation');
}

/**
 * For what Yoga handles outside any operation's execution (the operations' own errors are masked
 * by `graphqlRequestPlugin` first, with their request's id).
 */
export const yogaLogger: YogaLogger = {
  // Yoga's debug lines narrate each request's phases: below any LOG_LEVEL, as noise.
  debug: (...args: unknown[]) => log().trace(args.map(String).join(' ')),
  info: (...args: unknown[]) => log().info(args.map(String).join(' ')),
  warn: (...args: unknown[]) => log().warn(args.map(String).join(' ')),
  // Yoga calls this once for each error it masks, with the error as thrown.
  error: (error: unknown) => logMasked(log(), error),
};

/**
 * The gateway's masking (error-mask.ts) of an error `req`'s operation met. One the client sees
 * masked is logged on the request's lines, and an internal one names the request id (the
 * SERVICE_UNAVAILABLE error says all there is).
 */
export function maskForRequest(error: unknown, req: IncomingMessage | undefined): Error {
  const masked = maskGraphQLError(error);
  if (masked === error) return masked;
  const request = requestContext(req);
  logMasked(request?.logger ?? log(), error);
  if (request && (masked as GraphQLError).extensions.code !== 'SERVICE_UNAVAILABLE') {
    (masked as GraphQLError).extensions.requestId = request.requestId;
  }
  return masked;
}

/** Node's request, which Yoga puts in every operation's context (its server context). */
const requestOf = (contextValue: unknown) => (contextValue as { req?: IncomingMessage }).req;

function noteOperation(
  req: IncomingMessage | undefined,
  document: DocumentNode,
  operationName?: string | null,
) {
  const request = requestContext(req);
  const name = getOperationAST(document, operationName)?.name?.value;
  if (request && name) request.operation = name;
}

const maskingFor =
  (req: IncomingMessage | undefined) =>
  ({ result, setResult }: { result: ExecutionResult; setResult: (result: ExecutionResult) => void }) => {
    if (result.errors) {
      setResult({
        ...result,
        errors: result.errors.map((error) => maskForRequest(error, req) as GraphQLError),
      });
    }
  };

/**
 * Records the operation's name on its request, for the access line, and masks the errors of its
 * result. Registered among the gateway's plugins, it runs before Yoga's own masking, which knows
 * no request and leaves an error already masked as it is.
 */
export const graphqlRequestPlugin: Plugin = {
  onExecute: ({ args }) => {
    const req = requestOf(args.contextValue);
    noteOperation(req, args.document as DocumentNode, args.operationName as string | undefined);
    return { onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, maskingFor(req)) };
  },
  onSubscribe: ({ args }) => {
    const req = requestOf(args.contextValue);
    noteOperation(req, args.document as DocumentNode, args.operationName as string | undefined);
    return {
      onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, maskingFor(req)),
      onSubscribeError: ({ error, setError }) => setError(maskForRequest(error, req)),
    };
  },
};
