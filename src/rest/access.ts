/**
 * Who may call the REST door. One middleware authenticates every request under the secured API
 * roots (`Authorization: Bearer …`) and leaves its `caller` on the context; each route declares
 * the one operation it performs (`operation(…)` in operations.ts), and that operation is
 * authorized on the path's workspace before the route reads its body or looks anything up, so a
 * refusal never tells whether a job exists. Refusals are thrown; errors.ts answers them.
 */
import type { Env, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import {
  actorOf,
  LiveAccess,
  type AccessControl,
  type AccessEnded,
  type Operation,
  type Principal,
} from '../access/index.js';

/** The caller of one request: who it is, and what the access model lets it do. */
export class Caller {
  constructor(
    private readonly access: AccessControl,
    readonly principal: Principal,
  ) {}

  /** Whom status events record as having caused a change: null when access control is off. */
  get actor(): string | null {
    return actorOf(this.principal);
  }

  /** `events` of `workspace` for as long as the caller may read there (see access/live.ts). */
  whileAllowedToRead<T>(
    workspace: string,
    events: AsyncIterableIterator<T>,
  ): AsyncIterableIterator<T | AccessEnded> {
    return LiveAccess.of(this.access).guard(this.principal, workspace, events);
  }

  authorize(workspace: string, operation: Operation): Promise<void> {
    return this.access.authorize(this.principal, workspace, operation);
  }

  workspacesAllowing(operation: Operation): Promise<'all' | string[]> {
    return this.access.workspacesAllowing(this.principal, operation);
  }
}

export interface AccessEnv extends Env {
  Variables: {
    caller: Caller;
    /** On a route that reads across workspaces (`workspaces/-`): the ones the caller may read. */
    readableWorkspaces?: 'all' | string[];
  };
}

/** The OpenAPI security scheme a secured operation names: a bearer token (see openapi.ts). */
export const BEARER_SCHEME = 'HTTPBearer';

/** `-` as a path's workspace means every workspace the caller may read, on the routes that say so. */
export const ALL_WORKSPACES = '-';

/**
 * What a route does, for authorization: an operation on its path's workspace; `across` also
 * accepts `-` there (the caller's readable workspaces); `public` needs no token at all.
 */
export type RouteAccess = Operation | { across: Operation } | 'public';

/** Authenticates the request and leaves its caller for the routes (with auth off: anonymous). */
export function authenticate(access: AccessControl): MiddlewareHandler<AccessEnv> {
  return createMiddleware<AccessEnv>(async (c, next) => {
    c.set('caller', new Caller(access, await access.authenticate(c.req.header('authorization'))));
    await next();
  });
}

/**
 * Authorizes a route's operation before anything else of the route runs. A route without a
 * workspace in its path (execution profiles) or one reading across workspaces needs a token whose
 * scopes allow the operation somewhere; `workspacesAllowing` refuses it otherwise.
 */
export function authorizes<E extends Env = AccessEnv>(
  access: Exclude<RouteAccess, 'public'>,
): MiddlewareHandler<E> {
  const operation = typeof access === 'string' ? access : access.across;
  return createMiddleware<AccessEnv>(async (c, next) => {
    const { caller } = c.var;
    const workspace = c.req.param('workspace');
    if (workspace === undefined || (typeof access !== 'string' && workspace === ALL_WORKSPACES)) {
      c.set('readableWorkspaces', await caller.workspacesAllowing(operation));
    } else {
      await caller.authorize(workspace, operation);
    }
    await next();
  }) as unknown as MiddlewareHandler<E>;
}
