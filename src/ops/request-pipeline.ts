/**
 * What every HTTP request goes through before and after its door (GraphQL, REST or ops): a request
 * id (the client's `x-request-id` or a new one) echoed in the response and bound to the request
 * with its logger for the doors, CORS, compression, and when the response ends one access line and one
 * observation of `http_request_duration_seconds`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import compression from 'compression';
import type { Logger } from '../observability/logger.js';
import {
  UNMATCHED_ROUTE,
  type GatewayMetrics,
  type SubscriptionTransport,
} from '../observability/metrics.js';
import {
  bindRequest,
  REQUEST_ID_HEADER,
  requestIdFrom,
  type RequestContext,
} from '../observability/request-context.js';
import type { CorsPolicy } from './cors.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Door {
  kind: 'graphql' | 'rest' | 'ops';
  handle: RequestHandler;
}

export interface RequestPipelineOptions {
  logger: Logger;
  metrics: GatewayMetrics;
  cors: CorsPolicy;
  /** The door for a path (without its query string). */
  doorFor: (path: string) => Door;
}

/** Smaller responses are sent as they are: compressing them saves less than it costs. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

const EVENT_STREAM = /^text\/event-stream/i;
/** Responses that last as long as their client watches (SSE, GraphQL's multipart streams). */
const STREAMING = /^(text\/event-stream|multipart\/mixed)/i;

/** A response whose length is known and under the threshold: not compressed, so not looked into further. */
const small = (res: ServerResponse) =>
  Number(res.getHeader('content-length') ?? Infinity) < COMPRESSION_THRESHOLD_BYTES;

/**
 * Streams are never compressed: a compressor holds bytes back, and each event must go out as it
 * happens. A length known to be under the threshold (GraphQL's plain POSTs) decides at once: the
 * media type's lookup in the compressible list cost more than the rest of the decision.
 */
const compress = compression({
  threshold: COMPRESSION_THRESHOLD_BYTES,
  filter: (req, res) =>
    !small(res) &&
    !STREAMING.test(String(res.getHeader('content-type') ?? '')) &&
    compression.filter(req, res),
}) as unknown as (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export function requestPipeline({ logger, metrics, cors, doorFor }: RequestPipelineOptions): RequestHandler {
  return (req, res) => {
    const started = process.hrtime.bigint();
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const door = doorFor(path);
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    const context: RequestContext = { requestId, logger: logger.child({ requestId }) };
    res.setHeader(REQUEST_ID_HEADER, requestId);
    countEventStream(res, door, metrics);

    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = door.kind === 'rest' ? (context.route ?? UNMATCHED_ROUTE) : path;
      metrics.observeRequest(req.method ?? 'GET', route, res.statusCode, seconds);
      const durationMs = Math.round(seconds * 10_000) / 10;
      const line = {
        method: req.method,
        route,
        ...(context.operation && { operation: context.operation }),
        status: res.statusCode,
        durationMs,
        // The client went away before the response was complete.
        ...(!res.writableFinished && { aborted: true }),
      };
      const message = `${req.method} ${path} ${res.statusCode} ${durationMs}ms`;
      // Probes and scrapes come every few seconds: visible only when asked for.
      if (door.kind === 'ops') context.logger.debug(line, message);
      else context.logger.info(line, message);
    });

    if (cors.apply(req, res)) {
      context.route = 'preflight';
      return;
    }
    bindRequest(req, context);
    compress(req, res, () => door.handle(req, res));
  };
}

/** An event-stream response counts as an open subscription of its door's transport until it closes. */
function countEventStream(res: ServerResponse, door: Door, metrics: GatewayMetrics) {
  if (door.kind === 'ops') return;
  const transport: SubscriptionTransport = door.kind === 'rest' ? 'rest-sse' : 'graphql-sse';
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with `this` bound
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    const result = writeHead.apply(this, args);
    if (res.statusCode === 200 && EVENT_STREAM.test(sentHeaders(res))) {
      metrics.subscriptionOpened(transport);
      res.once('close', () => metrics.subscriptionClosed(transport));
    }
    return result;
  } as ServerResponse['writeHead'];
}

/** The header block as sent: headers handed to writeHead directly are invisible to getHeader. */
function sentHeaders(res: ServerResponse): string {
  const block = (res as unknown as { _header?: string | null })._header ?? '';
  return /^content-type:\s*(.*)$/im.exec(block)?.[1] ?? '';
}
