/**
 * `GET /apis/auth/discovery`, unauthenticated: whether access control is on and, when it is, the
 * identity provider CLIs and SDKs log in with, as the platform's discovery answers it.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AccessControl } from '../access/index.js';
import type { AccessEnv } from './access.js';
import { answer, apiOperations, ok, operationsRouter } from './operations.js';
import { authDiscovery, httpError, type AuthDiscoveryResponse } from './schemas.js';

export const AUTH_API_ROOT = '/apis/auth';

const getDiscovery = createRoute({
  ...apiOperations(AUTH_API_ROOT, 'auth')(
    'get',
    '/discovery',
    { summary: 'Discover Auth Configuration', handler: 'get_auth_discovery' },
    'Say whether access control is on and, when it is, how to log in: the OIDC issuer, its endpoints, ' +
      'the client id and the scopes to request. Needs no token.',
    'public',
  ),
  parameters: [],
  responses: {
    ...ok(authDiscovery),
    ...answer(503, 'The identity provider’s discovery document could not be fetched', httpError),
  },
});

export function discoveryRoutes(access: AccessControl): OpenAPIHono<AccessEnv> {
  const app = operationsRouter();
  app.openapi(getDiscovery, async (c) => {
    const { authEnabled, oidc } = await access.discovery();
    const body: AuthDiscoveryResponse = { auth_enabled: authEnabled };
    if (oidc) {
      body.oidc = {
        issuer: oidc.issuer,
        authorization_endpoint: oidc.authorizationEndpoint,
        token_endpoint: oidc.tokenEndpoint,
        device_authorization_endpoint: oidc.deviceAuthorizationEndpoint,
        userinfo_endpoint: oidc.userinfoEndpoint,
        client_id: oidc.clientId,
        default_scopes: oidc.defaultScopes,
        scope_prefix: oidc.scopePrefix,
      };
    }
    return c.json(body, 200);
  });
  return app;
}
