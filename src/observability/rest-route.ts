/** Tells the request's access line and metrics which REST route template answered. */
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { UNMATCHED_ROUTE } from './metrics.js';
import { currentRequest } from './request-context.js';

/** Registered first on the REST app: after the handler, the last matched route that is not a middleware is the one that answered. */
export const recordRoute: MiddlewareHandler = async (c, next) => {
  await next();
  const request = currentRequest();
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
