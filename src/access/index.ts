/**
 * The access model: who is calling (a principal from a bearer token), what it may do where
 * (roles per workspace, narrowed by the token's scopes), and workspace members.
 *
 * How the doors use it (REST, GraphQL over HTTP/SSE, graphql-ws):
 *
 * 1. Authenticate once per request or connection:
 *    `const principal = await access.authenticate(request.headers.authorization)`.
 *    With auth off it is `ANONYMOUS` and every check below allows it. Failures:
 *    `AuthenticationError` → 401 with `WWW-Authenticate: error.challenge`;
 *    `IdentityProviderUnavailableError` → 503. A graphql-ws connection authenticates from its
 *    `connection_init` payload and should end at `principal.expiresAt`.
 * 2. Authorize each operation before touching the job:
 *    `await access.authorize(principal, workspace, 'jobs.control')`.
 *    `PermissionDeniedError` → 403. It is decided before any lookup, so a refusal never tells
 *    whether the job exists. Operations: `jobs.read` (jobs, steps, tasks, results, status, logs,
 *    events and their subscriptions), `jobs.create`, `jobs.control` (pause, resume, cancel),
 *    `jobs.delete`, `jobs.force` (a forced cancel or delete), `steps.report` (step status, tasks,
 *    results, status details), `logs.write`, `members.read`, `members.write`.
 * 3. Commands on the gateway's host: a create request with any `subprocess` step also needs
 *    `authorize(principal, workspace, 'jobs.runSubprocess')`, which with auth on only a
 *    PlatformAdmin passes.
 * 4. Listings across workspaces (`workspaces/-` in REST paths): filter with
 *    `await access.workspacesAllowing(principal, 'jobs.read')`, which is `'all'` or a list.
 * 5. Members: `access.members` (list, add, replaceRoles, remove) after authorizing
 *    `members.read` / `members.write`; the request bodies are `workspaceMemberInput` and
 *    `workspaceMemberUpdate`. `MemberNotFoundError` → 404, `MemberAlreadyExistsError` and
 *    `LastAdminError` → 409. `grantedBy` is `principal.id`.
 * 6. Auth discovery for CLIs and SDKs: `await access.discovery()`.
 */
import type { Database } from '../db/client.js';
import { MembersService } from './members.js';
import {
  isPlatformAdmin,
  OPERATIONS,
  refusal,
  tokenRefusal,
  workspacesAllowing,
  type Operation,
} from './policy.js';
import { ANONYMOUS, type Principal } from './principal.js';
import { RoleBindingCache, type RoleCacheOptions } from './role-cache.js';
import type { AccessSettings } from './settings.js';
import { bearerToken, TokenVerifier, type TokenVerifierOptions } from './tokens.js';

export * from './errors.js';
export { AccessEnded, LiveAccess } from './live.js';
export { workspaceMemberInput, workspaceMemberUpdate, type WorkspaceMember } from './members.js';
export {
  OPERATIONS,
  operationsToCreate,
  WORKSPACE_ROLES,
  type Operation,
  type Role,
  type WorkspaceRole,
} from './policy.js';
export { actorOf, ANONYMOUS, type Principal } from './principal.js';
export { defaultAccessSettings, type AccessSettings } from './settings.js';

export interface AccessControlOptions {
  /** The clock for token validity, key refetch cooldowns and the roles cache. */
  now?: () => number;
  /** The longest a process acts on a role that was removed (see role-cache.ts). */
  revisionCheckMs?: RoleCacheOptions['revisionCheckMs'];
  keys?: TokenVerifierOptions['keys'];
}

/** What CLIs and SDKs need to log in to this gateway. */
export interface AuthDiscovery {
  authEnabled: boolean;
  oidc?: {
    issuer: string;
    clientId: string;
    authorizationEndpoint?: string;
    tokenEndpoint?: string;
    deviceAuthorizationEndpoint?: string;
    userinfoEndpoint?: string;
    defaultScopes: string;
    scopePrefix?: string;
  };
}

export class AccessControl {
  readonly enabled: boolean;
  readonly members: MembersService;
  private readonly tokens: TokenVerifier;
  private readonly roles: RoleBindingCache;

  constructor(
    db: Database,
    readonly settings: AccessSettings,
    options: AccessControlOptions = {},
  ) {
    this.enabled = settings.enabled;
    this.tokens = new TokenVerifier(settings, { now: options.now, keys: options.keys });
    this.roles = new RoleBindingCache(db, { now: options.now, revisionCheckMs: options.revisionCheckMs });
    this.members = new MembersService(db, () => this.roles.invalidate());
  }

  /** The caller named by an `Authorization` header value (`Bearer <token>`); ANONYMOUS with auth off. */
  async authenticate(authorization: string | null | undefined): Promise<Principal> {
    if (!this.enabled) return ANONYMOUS;
    return this.tokens.verify(bearerToken(authorization));
  }

  /** The caller named by a bare token (a graphql-ws `connection_init` payload, say). */
  async authenticateToken(token: string | null | undefined): Promise<Principal> {
    return this.authenticate(token ? `Bearer ${token}` : undefined);
  }

  /** Resolves when `principal` may do `operation` in `workspace`; throws the refusal otherwise. */
  async authorize(principal: Principal, workspace: string, operation: Operation): Promise<void> {
    const refused = await this.refusal(principal, workspace, operation);
    if (refused) throw refused;
  }

  async allows(principal: Principal, workspace: string, operation: Operation): Promise<boolean> {
    return !(await this.refusal(principal, workspace, operation));
  }

  /** Every operation `principal` may do in `workspace` (to show only the actions a UI can offer). */
  async allowedOperations(principal: Principal, workspace: string): Promise<Set<Operation>> {
    const allowed = await Promise.all(OPERATIONS.map((op) => this.allows(principal, workspace, op)));
    return new Set(OPERATIONS.filter((_, i) => allowed[i]));
  }

  /** The workspaces in which `principal` may do `operation`: `'all'`, or a sorted list. */
  async workspacesAllowing(principal: Principal, operation: Operation): Promise<'all' | string[]> {
    const bindings =
      this.enabled && principal.kind === 'authenticated' && !isPlatformAdmin(principal, this.settings)
        ? await this.roles.everywhere(principal.id)
        : [];
    return workspacesAllowing(principal, operation, bindings, this.settings);
  }

  async discovery(): Promise<AuthDiscovery> {
    const { issuer, clientId, defaultScopes, scopePrefix } = this.settings.oidc;
    if (!this.enabled || !issuer || !this.tokens.keys) return { authEnabled: this.enabled };
    const provider = await this.tokens.keys.openIdConfiguration();
    return {
      authEnabled: true,
      oidc: {
        issuer,
        clientId,
        authorizationEndpoint: provider.authorization_endpoint,
        tokenEndpoint: provider.token_endpoint,
        deviceAuthorizationEndpoint: provider.device_authorization_endpoint,
        userinfoEndpoint: provider.userinfo_endpoint,
        defaultScopes,
        scopePrefix,
      },
    };
  }

  private async refusal(principal: Principal, workspace: string, operation: Operation) {
    // The token is judged first: it needs no database, and a refused token costs no lookup.
    const refusedToken = tokenRefusal(principal, operation, this.settings);
    if (refusedToken || !this.enabled) return refusedToken;
    const bindings = isPlatformAdmin(principal, this.settings)
      ? []
      : await this.roles.inWorkspace(principal.id, workspace);
    return refusal(principal, workspace, operation, bindings, this.settings);
  }
}
