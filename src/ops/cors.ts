/**
 * Cross-origin access from browsers, for every door at once (REST, `/graphql`, the ops paths), from
 * one list of origins. With no origins configured nothing here adds a header: a browser on another
 * origin is refused by its own same-origin rule. Credentials (cookies) are never allowed: the
 * gateway takes bearer tokens in the Authorization header, which a page sends explicitly.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
/** Headers a page may read from a response beyond the CORS-safelisted ones. */
const EXPOSED_HEADERS = 'x-request-id, x-should-retry, retry-after';
/** How long a browser may reuse a preflight's answer (s). */
const PREFLIGHT_MAX_AGE = '600';

export interface CorsPolicy {
  /**
   * Adds the CORS headers the request's origin is due. A preflight is answered here (true): 204
   * for an allowed origin, 403 otherwise.
   */
  apply(req: IncomingMessage, res: ServerResponse): boolean;
}

/** `origins`: exact origins (`https://app.example.com`), or `*` for any. Empty: CORS off. */
export function corsPolicy(origins: readonly string[]): CorsPolicy {
  if (origins.length === 0) return { apply: () => false };
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  return {
    apply(req, res) {
      const origin = req.headers.origin;
      if (!origin) return false;
      // The answer depends on the Origin header: caches must keep one per origin.
      res.appendHeader('vary', 'Origin');
      const permitted = anyOrigin || allowed.has(origin);
      const preflight =
        req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
      if (permitted) {
        res.setHeader('access-control-allow-origin', anyOrigin ? '*' : origin);
        res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
      }
      if (!preflight) return false;
      if (!permitted) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ detail: 'Cross-origin requests from this origin are not allowed.' }));
        return true;
      }
      res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
      const requested = req.headers['access-control-request-headers'];
      if (requested) res.setHeader('access-control-allow-headers', requested);
      res.setHeader('access-control-max-age', PREFLIGHT_MAX_AGE);
      res.writeHead(204);
      res.end();
      return true;
    },
  };
}
