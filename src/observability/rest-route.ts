/** The REST door's side of the request context: which route template answered, and the context itself. */
import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { UNMATCHED_ROUTE } from './metrics.js';
import type { Logger } from './logger.js';
import { requestContext, requestLog, type RequestContext } from './request-context.js';

/** The context of the request a REST handler answers: Hono is handed Node's request as `env.incoming`. */
export function restRequest(c: Context): RequestContext | undefined {
  return requestContext(incoming(c));
}

/** The logger for the lines of the request a REST handler answers. */
export function restLog(c: Context): Logger {
  return requestLog(incoming(c));
}

const incoming = (c: Context) => (c.env as Partial<HttpBindings> | undefined)?.incoming;

/** Registered first on the REST app: after the handler, the last matched route that is not a middleware is the one that answered. */
export const recordRoute: MiddlewareHandler = async (c, next) => {
  await next();
  const request = restRequest(c);
  if (!request) return;
  const routes = matchedRoutes(c);
  let route = UNMATCHED_ROUTE;
  for (let i = routes.length - 1; i >= 0; i--) {
    const candidate = routes[i];
    if (candidate && candidate.method !== 'ALL') {
      // As the OpenAPI document writes it: /workspaces/{workspace}/jobs, not /workspaces/:workspace/jobs.
      route = candidate.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}');
      break;
    }
  }
  request.route = route;
};
