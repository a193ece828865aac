/**
 * The common GraphQL request, a JSON POST of a query or mutation, run without Yoga's HTTP layer
 * (a web Request, Response and Headers per request, and its chain of hooks around them), which
 * cost more than the operation itself. Everything that decides the answer is Yoga's own: its
 * envelop (`yoga.getEnveloped`) parses and validates with its caches and the document limits,
 * builds the context with the caller (the same authentication), executes with error masking, the
 * operation name for the access line and the GraphQL metrics; an answer with errors is shaped by
 * Yoga's result processor, after the gateway's SERVICE_UNAVAILABLE status rule.
 *
 * Anything else is left to Yoga with the body already read: another method, content or accepted
 * type, a body that is not a plain request, variables the database could not store, a document
 * that does not parse or validate, a subscription, a caller that is not authenticated. Those
 * are answered exactly as before (their status codes and error shapes are Yoga's).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  getOperationAST,
  OperationTypeNode,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import { processRegularResult } from 'graphql-yoga';
import { maskForRequest } from '../observability/graphql.js';
import { serviceUnavailableStatus } from './error-mask.js';
import { unstorableVariables } from './storable-input.js';
import type { GraphQLServer } from './yoga.js';

/** The request media types for which Yoga answers `application/json` (its regular result processor). */
const JSON_ANSWER = new Set([undefined, '', '*/*', 'application/json']);
const JSON_BODY = /^application\/json\s*(;|$)/i;

interface GraphQLParams {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The body as Yoga's POST parser would take it, if it is a plain request and nothing more. */
function plainParams(body: Buffer): GraphQLParams | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || typeof parsed.query !== 'string') return undefined;
  const { query, variables, operationName, ...rest } = parsed;
  if (Object.keys(rest).length > 0) return undefined; // extensions: Yoga's to read
  if (variables != null && !isObject(variables)) return undefined;
  if (operationName != null && typeof operationName !== 'string') return undefined;
  return {
    query,
    ...(variables != null && { variables }),
    ...(operationName != null && { operationName }),
  };
}

/** Whether a JSON POST to `/graphql` may take the lean path, before its body is read. */
export function mayRunLean(req: IncomingMessage): boolean {
  return (
    req.method === 'POST' &&
    JSON_BODY.test(req.headers['content-type'] ?? '') &&
    JSON_ANSWER.has(req.headers.accept?.trim())
  );
}

/**
 * Runs the request on Yoga's envelop and answers it; false when it must go to Yoga instead
 * (nothing has been sent then, and nothing has run that changes anything).
 */
export async function runLean(
  yoga: GraphQLServer,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<boolean> {
  const params = plainParams(body);
  if (!params || unstorableVariables(params.variables)) return false;
  // What the context function and plugins read of the request: its headers (the caller's token).
  const request = {
    method: 'POST',
    url: req.url,
    headers: { get: (name: string) => headerValue(req, name) },
  } as unknown as Request;
  const enveloped = yoga.getEnveloped({ req, res, request, params });
  // A document that does not parse or validate (the document limits throw) is Yoga's to answer.
  let document: DocumentNode;
  try {
    document = enveloped.parse(params.query) as DocumentNode;
    const errors = enveloped.validate(enveloped.schema, document) as readonly GraphQLError[];
    if (errors.length > 0) return false;
  } catch {
    return false;
  }
  const operation = getOperationAST(document, params.operationName);
  if (!operation || operation.operation === OperationTypeNode.SUBSCRIPTION) return false;
  let contextValue: unknown;
  try {
    contextValue = await enveloped.contextFactory();
  } catch {
    return false; // Not authenticated, or the identity provider is away: Yoga answers 401 or 503.
  }
  let result: ExecutionResult;
  try {
    result = (await enveloped.execute({
      schema: enveloped.schema as GraphQLSchema,
      document,
      contextValue,
      variableValues: params.variables,
      operationName: params.operationName,
    })) as ExecutionResult;
  } catch (error) {
    // As Yoga does with an error thrown rather than returned: logged, and masked for the client.
    result = { errors: [maskForRequest(error, req) as GraphQLError] };
  }
  if (!result.errors) {
    send(res, 200, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(result));
    return true;
  }
  let answer = result;
  // The gateway's status rule (a plugin hook that runs synchronously), then Yoga's own shaping.
  void serviceUnavailableStatus.onResultProcess!({
    result,
    setResult: (changed: ExecutionResult) => (answer = changed),
  } as never);
  const response = processRegularResult(answer, yoga.fetchAPI, 'application/json');
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  send(res, response.status, headers, await response.text());
  return true;
}

function headerValue(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, text: string) {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
