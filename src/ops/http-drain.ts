/**
 * Stopping the HTTP server gracefully: new connections are refused at once, requests in flight
 * finish, event streams end (they would never finish by themselves; their clients reconnect to
 * another process), and keep-alive connections close as soon as they fall idle. Whatever is still
 * open after the grace period is cut.
 */
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Responses that last as long as their client watches: SSE, and GraphQL's multipart streams. */
const STREAM_CONTENT_TYPE = /^content-type:\s*(text\/event-stream|multipart\/mixed)/im;

export interface HttpDrain {
  /** Resolves once every connection (WebSockets included) is closed, cutting those left after `graceMs`. */
  drain(graceMs: number): Promise<void>;
}

export function trackConnections(server: Server): HttpDrain {
  const sockets = new Set<Socket>();
  const responses = new Set<ServerResponse>();
  let draining = false;

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (_req, res: ServerResponse) => {
    responses.add(res);
    res.once('close', () => responses.delete(res));
    if (draining) res.setHeader('connection', 'close');
    res.once('finish', () => {
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
  });

  return {
    drain(graceMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const res of responses) if (isEventStream(res)) endStream(res);
      let timer: NodeJS.Timeout | undefined;
      const cut = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
          resolve();
        }, graceMs);
      });
      return Promise.race([closed, cut]).finally(() => clearTimeout(timer));
    },
  };
}

function isEventStream(res: ServerResponse): boolean {
  // The header block as sent: Hono hands its headers to writeHead, where getHeader cannot see them.
  const sent = (res as unknown as { _header?: string | null })._header;
  return res.headersSent && !res.writableEnded && STREAM_CONTENT_TYPE.test(sent ?? '');
}

/** Ends the body cleanly; the stream's writer may still try one write before it notices, which is dropped. */
function endStream(res: ServerResponse) {
  res.on('error', () => {});
  res.end();
}
