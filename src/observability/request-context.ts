/**
 * What is known about the request being handled, wherever in its handling code asks: its id, the
 * logger that stamps that id on every line, and what the doors learn about it (the route template,
 * the GraphQL operation) for its access line and metrics.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
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

const storage = new AsyncLocalStorage<RequestContext>();

let processLogger: Logger = silentLogger;

/** The logger for work outside any request (start-up, stop, background loops). */
export function setProcessLogger(logger: Logger): void {
  processLogger = logger;
}

/** The current request's logger (its lines carry the request id), or the process's. */
export function log(): Logger {
  return storage.getStore()?.logger ?? processLogger;
}

export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

export function runInRequest<T>(context: RequestContext, handle: () => T): T {
  return storage.run(context, handle);
}

export const REQUEST_ID_HEADER = 'x-request-id';

/** Bounded and plain, so a client's id cannot forge log lines or bloat them. */
const ACCEPTED_REQUEST_ID = /^[\w.:+/=-]{1,128}$/;

/** The client's `x-request-id` when it is a reasonable one, a new id otherwise. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given && ACCEPTED_REQUEST_ID.test(given) ? given : randomUUID();
}
