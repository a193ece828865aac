/**
 * What is known about the request being handled: its id, the logger that stamps that id on every
 * line, and what the doors learn about it (the route template, the GraphQL operation) for its
 * access line and metrics. It travels with Node's request object, which every door is handed,
 * rather than in AsyncLocalStorage: on Node 20 that turns on promise hooks for every promise the
 * process makes, which cost about a tenth more allocation per REST pause and a busier event loop
 * for the process that serves subscribers.
 */
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { silentLogger, type Logger } from './logger.js';

export interface RequestContext {
  requestId: string;
  logger: Logger;
  /** The route template that answered (`/apis/jobs/v2/workspaces/{workspace}/jobs`), set by the door. */
  route?: string;
  /** The GraphQL operation's name, when the request was one. */
  operation?: string;
}

const contexts = new WeakMap<IncomingMessage, RequestContext>();

let processLogger: Logger = silentLogger;

/** The logger for work outside any request (start-up, stop, background loops). */
export function setProcessLogger(logger: Logger): void {
  processLogger = logger;
}

/** The process's logger: for work that is no one request's (the executor, the feed, start-up). */
export function log(): Logger {
  return processLogger;
}

/** Gives `req` its context, before any door sees it. */
export function bindRequest(req: IncomingMessage, context: RequestContext): void {
  contexts.set(req, context);
}

/** The context of `req`, when it came through the gateway's request pipeline. */
export function requestContext(req: IncomingMessage | undefined): RequestContext | undefined {
  return req && contexts.get(req);
}

/** The logger for `req`'s lines (they carry its request id), or the process's. */
export function requestLog(req: IncomingMessage | undefined): Logger {
  return requestContext(req)?.logger ?? processLogger;
}

export const REQUEST_ID_HEADER = 'x-request-id';

/** Bounded and plain, so a client's id cannot forge log lines or bloat them. */
const ACCEPTED_REQUEST_ID = /^[\w.:+/=-]{1,128}$/;

/** The client's `x-request-id` when it is a reasonable one, a new id otherwise. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given && ACCEPTED_REQUEST_ID.test(given) ? given : randomUUID();
}
