/**
 * The one place that tells "the database is unavailable" from every other failure. Such an error
 * is not the request's fault and goes away by itself: the doors answer 503 with `Retry-After`, and
 * background work (the feed, the executor) tries again later. Anything else keeps its own mapping.
 */

/** What a client is told, and after how many seconds it may retry. */
const DATABASE_UNAVAILABLE_DETAIL = 'The database is unavailable; retry shortly.';
export const RETRY_AFTER_SECONDS = 2;

/** The database cannot be reached, or is shutting down or starting up; retrying shortly may work. */
export class DatabaseUnavailableError extends Error {
  /** What the driver said (an error code, never a host or a statement): for logs and probes. */
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(DATABASE_UNAVAILABLE_DETAIL, options);
    this.reason = reason;
  }
}

/** postgres.js's own connection errors, and the socket errors it passes on. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  // A connection that owed an answer too long in silence (the reply deadline of client.ts).
  'REPLY_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that went away or cannot take us now: class 08 (connection exception),
 * 57P01–57P05 (shut down by an administrator, crash shutdown, cannot connect now: starting or in
 * recovery, database dropped, idle session timeout), 53300 (too many connections), and 57014 (a
 * statement cancelled: the statement deadline of client.ts, or an administrator's cancel).
 */
const isUnavailableState = (code: string) =>
  /^[0-9A-Z]{5}$/.test(code) &&
  (code.startsWith('08') || /^57P0[1-5]$/.test(code) || code === '53300' || code === '57014');

/** PGlite has no connection to lose; what it has is being closed (the process is stopping). */
const PGLITE_CLOSED = /^PGlite is clos(ed|ing)$/;

/**
 * The DatabaseUnavailableError that `error` amounts to, or undefined when it is another kind of
 * failure. Looks through wrappers (a query builder adds the statement and keeps the driver's error
 * as its cause).
 */
export function databaseUnavailable(error: unknown): DatabaseUnavailableError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current instanceof DatabaseUnavailableError) return current;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || isUnavailableState(code))) {
      return new DatabaseUnavailableError(code, { cause: error });
    }
    if (PGLITE_CLOSED.test(current.message)) return new DatabaseUnavailableError('closed', { cause: error });
    current = current.cause;
  }
  return undefined;
}
