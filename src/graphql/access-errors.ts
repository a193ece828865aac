/**
 * The access model's answers as GraphQL errors, the same on every door: a missing or bad token is
 * UNAUTHENTICATED (HTTP 401 with `WWW-Authenticate` where the transport has a status), an identity
 * provider that cannot be reached is SERVICE_UNAVAILABLE (503), a refusal is FORBIDDEN. Yoga reads
 * `extensions.http` for the status and headers and never sends it to the client; graphql-ws strips it.
 */
import { GraphQLError } from 'graphql';
import {
  AuthenticationError,
  IdentityProviderUnavailableError,
  PermissionDeniedError,
  type AccessControl,
  type Principal,
} from '../access/index.js';

export const unauthenticated = (error: AuthenticationError) =>
  new GraphQLError(error.message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: { 'WWW-Authenticate': error.challenge } },
    },
  });

export const serviceUnavailable = (error: IdentityProviderUnavailableError) =>
  new GraphQLError(error.message, {
    extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'Retry-After': '5' } } },
  });

/**
 * A refusal. Before a subscription's first event it is also the HTTP status (403), so an SSE
 * client learns it from the response; inside a query's data it is one field's error, and the
 * response stays 200 for the fields that were allowed.
 */
export const forbidden = (message: string, { beforeStream = false } = {}) =>
  new GraphQLError(message, {
    extensions: { code: 'FORBIDDEN', ...(beforeStream ? { http: { status: 403 } } : {}) },
  });

/** The access model's error as the client sees it; anything else is left to error masking. */
export function accessError(error: unknown, options?: { beforeStream?: boolean }): unknown {
  if (error instanceof AuthenticationError) return unauthenticated(error);
  if (error instanceof IdentityProviderUnavailableError) {
    return serviceUnavailable(error);
  }
  if (error instanceof PermissionDeniedError) return forbidden(error.message, options);
  return error;
}

/** The caller of an HTTP request (GraphQL over HTTP and SSE): ANONYMOUS with auth off. */
export async function authenticateRequest(access: AccessControl, request: Request): Promise<Principal> {
  try {
    return await access.authenticate(request.headers.get('authorization'));
  } catch (error) {
    throw accessError(error);
  }
}

/**
 * The `Authorization` value of a graphql-ws `connection_init` payload (`{"Authorization": "Bearer …"}`,
 * the key in any case), as a header would carry it.
 */
export function connectionAuthorization(params: Readonly<Record<string, unknown>> | undefined) {
  for (const [key, value] of Object.entries(params ?? {})) {
    if (key.toLowerCase() === 'authorization' && typeof value === 'string') return value;
  }
  return undefined;
}
