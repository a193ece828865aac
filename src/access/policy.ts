/**
 * The access policy as data and pure functions: roles, operations, which role allows which
 * operation, which token scopes an operation needs, and the decision for one request. Nothing
 * here reads the database; the role bindings are passed in.
 */
import { AuthenticationError, PermissionDeniedError } from './errors.js';
import type { Principal } from './principal.js';

/** The roles a workspace member can be given. */
export const WORKSPACE_ROLES = ['Viewer', 'Editor', 'Admin', 'JobRunner'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];
/** PlatformAdmin is never a member's role: it comes from the configured admin email. */
export type Role = WorkspaceRole | 'PlatformAdmin';

/** `*` in a role binding stands for every authenticated principal. */
export const EVERYONE = '*';

/** What a caller can ask of the gateway, named for the domain. */
export const OPERATIONS = [
  'jobs.read',
  'jobs.create',
  'jobs.control',
  'jobs.delete',
  'jobs.force',
  'jobs.runSubprocess',
  'steps.report',
  'logs.write',
  'members.read',
  'members.write',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/**
 * What creating a job takes: `jobs.create`, and `jobs.runSubprocess` when any of its steps is a
 * `subprocess` step, whose command would run on the gateway's own host.
 */
export function operationsToCreate(
  steps: readonly { executor?: { provider?: string } }[] | undefined,
): Operation[] {
  const onHost = steps?.some((step) => step.executor?.provider === 'subprocess') ?? false;
  return onHost ? ['jobs.create', 'jobs.runSubprocess'] : ['jobs.create'];
}

interface OperationRule {
  /** Completes "may not …" in a refusal. */
  does: string;
  /** The API whose scopes cover the operation (members belong to the platform's entities API). */
  api: 'jobs' | 'entities';
  access: 'read' | 'write';
}

export const operationRules: Record<Operation, OperationRule> = {
  'jobs.read': { does: 'read jobs, their steps, status, logs or events', api: 'jobs', access: 'read' },
  'jobs.create': { does: 'create jobs', api: 'jobs', access: 'write' },
  'jobs.control': { does: 'pause, resume or cancel jobs', api: 'jobs', access: 'write' },
  'jobs.delete': { does: 'delete jobs', api: 'jobs', access: 'write' },
  'jobs.force': {
    does: 'force a cancel or a delete of jobs (without waiting for their runners)',
    api: 'jobs',
    access: 'write',
  },
  'jobs.runSubprocess': {
    does: "create jobs with subprocess steps (they run commands on the gateway's host)",
    api: 'jobs',
    access: 'write',
  },
  'steps.report': {
    does: 'report step status, step tasks, job results or job status details',
    api: 'jobs',
    access: 'write',
  },
  'logs.write': { does: 'write job logs', api: 'jobs', access: 'write' },
  'members.read': { does: 'list members', api: 'entities', access: 'read' },
  'members.write': { does: 'change members', api: 'entities', access: 'write' },
};

// Any member may see who else is a member; only an Admin may change it.
const viewer: Operation[] = ['jobs.read', 'members.read'];
const editor: Operation[] = [...viewer, 'jobs.create', 'jobs.control', 'jobs.delete', 'steps.report'];
// Forcing ends a job without its runner knowing: an Admin's call, not an Editor's.
const admin: Operation[] = [...editor, 'members.write', 'jobs.force'];

/**
 * Which role allows which operation. Viewer < Editor < Admin each include the one below;
 * JobRunner is a workload identity outside that line; PlatformAdmin may do everything, and is
 * the only one who may have the gateway run commands on its host.
 */
export const roleOperations: Record<Role, ReadonlySet<Operation>> = {
  Viewer: new Set(viewer),
  Editor: new Set(editor),
  Admin: new Set(admin),
  JobRunner: new Set(['steps.report', 'logs.write']),
  PlatformAdmin: new Set(OPERATIONS),
};

/**
 * The scopes of which a token needs one for an operation: reading takes the API's read or write
 * scope, writing its write scope; `platform:*` stands in for every API.
 */
export function requiredScopes(operation: Operation): readonly string[] {
  const { api, access } = operationRules[operation];
  return access === 'read'
    ? [`${api}:read`, `${api}:write`, 'platform:read', 'platform:write']
    : [`${api}:write`, 'platform:write'];
}

export interface PolicySettings {
  enabled: boolean;
  adminEmail?: string;
  defaultWorkspace: string;
}

/** One role of one principal (or of `*`) in one workspace. */
export interface RoleBinding {
  workspace: string;
  principal: string;
  role: WorkspaceRole;
}

export const isPlatformAdmin = (principal: Principal, settings: PolicySettings) =>
  principal.kind === 'authenticated' &&
  settings.adminEmail !== undefined &&
  principal.email === settings.adminEmail;

/**
 * The principal's roles in a workspace: its own bindings and those of `*` (so the highest of the
 * two counts), `*` as Editor in the default workspace, and PlatformAdmin for the admin email.
 */
export function rolesIn(
  principal: Principal,
  workspace: string,
  bindings: readonly RoleBinding[],
  settings: PolicySettings,
): Set<Role> {
  const roles = new Set<Role>();
  if (principal.kind !== 'authenticated') return roles;
  for (const binding of bindings) {
    const applies = binding.principal === principal.id || binding.principal === EVERYONE;
    if (binding.workspace === workspace && applies) roles.add(binding.role);
  }
  if (workspace === settings.defaultWorkspace) roles.add('Editor');
  if (isPlatformAdmin(principal, settings)) roles.add('PlatformAdmin');
  return roles;
}

/** Why the token itself cannot do `operation` anywhere, or undefined when it may try. */
export function tokenRefusal(
  principal: Principal,
  operation: Operation,
  settings: PolicySettings,
): AuthenticationError | PermissionDeniedError | undefined {
  if (!settings.enabled) return undefined;
  if (principal.kind !== 'authenticated') return new AuthenticationError('missing');
  const needed = requiredScopes(operation);
  if (needed.some((scope) => principal.scopes.includes(scope))) return undefined;
  return new PermissionDeniedError(
    `The token's scopes do not allow this: to ${operationRules[operation].does} it needs one of ${needed.join(', ')}.`,
    'scope',
  );
}

/**
 * Why `principal` may not do `operation` in `workspace`, or undefined when it may. Both layers
 * must pass: the token's scopes and the principal's roles there.
 */
export function refusal(
  principal: Principal,
  workspace: string,
  operation: Operation,
  bindings: readonly RoleBinding[],
  settings: PolicySettings,
): AuthenticationError | PermissionDeniedError | undefined {
  const refusedToken = tokenRefusal(principal, operation, settings);
  if (refusedToken || !settings.enabled) return refusedToken;
  const roles = rolesIn(principal, workspace, bindings, settings);
  if ([...roles].some((role) => roleOperations[role].has(operation))) return undefined;
  return new PermissionDeniedError(
    `Principal '${principal.id}' may not ${operationRules[operation].does} in workspace '${workspace}'.`,
    'role',
  );
}

/**
 * The workspaces in which `principal` may do `operation`, for listings across workspaces:
 * `'all'` when auth is off or for a PlatformAdmin. `bindings` are the principal's and `*`'s in
 * every workspace. Throws when the token's scopes refuse the operation outright.
 */
export function workspacesAllowing(
  principal: Principal,
  operation: Operation,
  bindings: readonly RoleBinding[],
  settings: PolicySettings,
): 'all' | string[] {
  const refusedToken = tokenRefusal(principal, operation, settings);
  if (refusedToken) throw refusedToken;
  if (!settings.enabled || isPlatformAdmin(principal, settings)) return 'all';
  const candidates = new Set([settings.defaultWorkspace, ...bindings.map((b) => b.workspace)]);
  return [...candidates]
    .filter((workspace) => !refusal(principal, workspace, operation, bindings, settings))
    .sort();
}
