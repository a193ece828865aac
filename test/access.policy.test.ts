/** The access policy, cell by cell: which role may do which operation, and what scopes narrow. */
import { describe, expect, it } from 'vitest';
import { AuthenticationError, PermissionDeniedError } from '../src/access/errors.js';
import {
  OPERATIONS,
  refusal,
  requiredScopes,
  rolesIn,
  workspacesAllowing,
  type Operation,
  type PolicySettings,
  type Role,
  type RoleBinding,
  type WorkspaceRole,
} from '../src/access/policy.js';
import { ANONYMOUS, type Principal } from '../src/access/principal.js';

const settings: PolicySettings = {
  enabled: true,
  adminEmail: 'root@example.com',
  defaultWorkspace: 'default',
};
const ALL_SCOPES = ['platform:read', 'platform:write'];

const user = (email: string, scopes: string[] = ALL_SCOPES): Principal => ({
  kind: 'authenticated',
  id: email,
  email,
  subject: `sub-${email}`,
  scopes,
});
const alice = user('alice@example.com');
const root = user('root@example.com');
const bind = (principal: string, role: WorkspaceRole, workspace = 'team-a'): RoleBinding => ({
  workspace,
  principal,
  role,
});

const allowed = (
  principal: Principal,
  workspace: string,
  operation: Operation,
  bindings: RoleBinding[] = [],
) => refusal(principal, workspace, operation, bindings, settings) === undefined;

describe('the role × operation table', () => {
  const Y = true;
  const _ = false;
  // Restated here cell by cell so that a change to the table is a visible change to this test.
  const table: Record<Operation, Record<Role, boolean>> = {
    //                       Viewer  Editor  Admin  JobRunner  PlatformAdmin
    'jobs.read': { Viewer: Y, Editor: Y, Admin: Y, JobRunner: _, PlatformAdmin: Y },
    'jobs.create': { Viewer: _, Editor: Y, Admin: Y, JobRunner: _, PlatformAdmin: Y },
    'jobs.control': { Viewer: _, Editor: Y, Admin: Y, JobRunner: _, PlatformAdmin: Y },
    'jobs.delete': { Viewer: _, Editor: Y, Admin: Y, JobRunner: _, PlatformAdmin: Y },
    'jobs.force': { Viewer: _, Editor: _, Admin: Y, JobRunner: _, PlatformAdmin: Y },
    'jobs.runSubprocess': { Viewer: _, Editor: _, Admin: _, JobRunner: _, PlatformAdmin: Y },
    'steps.report': { Viewer: _, Editor: Y, Admin: Y, JobRunner: Y, PlatformAdmin: Y },
    'logs.write': { Viewer: _, Editor: _, Admin: _, JobRunner: Y, PlatformAdmin: Y },
    'members.read': { Viewer: Y, Editor: Y, Admin: Y, JobRunner: _, PlatformAdmin: Y },
    'members.write': { Viewer: _, Editor: _, Admin: Y, JobRunner: _, PlatformAdmin: Y },
  };

  it('lists every operation', () => {
    expect(Object.keys(table).sort()).toEqual([...OPERATIONS].sort());
  });

  const cells = OPERATIONS.flatMap((operation) =>
    (Object.keys(table[operation]) as Role[]).map((role) => ({
      operation,
      role,
      expected: table[operation][role],
    })),
  );

  it.each(cells)('$role may $operation: $expected', ({ operation, role, expected }) => {
    const [principal, bindings] =
      role === 'PlatformAdmin' ? [root, []] : [alice, [bind('alice@example.com', role)]];
    const refused = refusal(principal, 'team-a', operation, bindings, settings);
    expect(refused === undefined).toBe(expected);
    if (!expected) {
      expect(refused).toBeInstanceOf(PermissionDeniedError);
      expect(refused).toMatchObject({ refusedBy: 'role' });
    }
  });

  it('gives no role to a principal without bindings outside the default workspace', () => {
    for (const operation of OPERATIONS) expect(allowed(alice, 'team-a', operation)).toBe(false);
  });

  it('refuses without saying whether anything exists in the workspace', () => {
    expect(
      refusal(alice, 'team-a', 'jobs.delete', [bind('alice@example.com', 'Viewer')], settings)?.message,
    ).toBe("Principal 'alice@example.com' may not delete jobs in workspace 'team-a'.");
  });
});

describe('roles in a workspace', () => {
  it('are the highest of the principal’s own binding and the `*` binding', () => {
    const bindings = [bind('*', 'Viewer'), bind('alice@example.com', 'Editor'), bind('*', 'Admin', 'team-b')];
    expect(allowed(alice, 'team-a', 'jobs.create', bindings)).toBe(true);
    expect(allowed(user('bob@example.com'), 'team-a', 'jobs.read', bindings)).toBe(true);
    expect(allowed(user('bob@example.com'), 'team-a', 'jobs.create', bindings)).toBe(false);
    // `*` as Admin lifts alice above her own Viewer binding.
    expect(
      allowed(alice, 'team-b', 'members.write', [...bindings, bind('alice@example.com', 'Viewer', 'team-b')]),
    ).toBe(true);
  });

  it('never come from another workspace’s bindings', () => {
    expect(allowed(alice, 'team-a', 'jobs.read', [bind('alice@example.com', 'Admin', 'team-b')])).toBe(false);
  });

  it('include Editor for everyone in the default workspace, and no more', () => {
    const bob = user('bob@example.com');
    expect(rolesIn(bob, 'default', [], settings)).toEqual(new Set(['Editor']));
    expect(allowed(bob, 'default', 'jobs.create')).toBe(true);
    expect(allowed(bob, 'default', 'members.write')).toBe(false);
    expect(allowed(bob, 'default', 'jobs.runSubprocess')).toBe(false);
    const elsewhere = { ...settings, defaultWorkspace: 'shared' };
    expect(refusal(bob, 'shared', 'jobs.create', [], elsewhere)).toBeUndefined();
    expect(refusal(bob, 'default', 'jobs.create', [], elsewhere)).toBeInstanceOf(PermissionDeniedError);
  });

  it('make the configured admin email PlatformAdmin everywhere, not a look-alike subject', () => {
    expect(rolesIn(root, 'anywhere', [], settings).has('PlatformAdmin')).toBe(true);
    const impostor: Principal = {
      kind: 'authenticated',
      id: 'root@example.com',
      subject: 'root@example.com',
      scopes: ALL_SCOPES,
    };
    expect(rolesIn(impostor, 'anywhere', [], settings).has('PlatformAdmin')).toBe(false);
    expect(rolesIn(root, 'anywhere', [], { ...settings, adminEmail: undefined }).size).toBe(0);
  });

  it('leave a JobRunner to report steps and write logs, nothing else', () => {
    const runner = [bind('alice@example.com', 'JobRunner')];
    const mayDo = OPERATIONS.filter((operation) => allowed(alice, 'team-a', operation, runner));
    expect(mayDo).toEqual(['steps.report', 'logs.write']);
    expect(allowed(alice, 'team-b', 'steps.report', runner)).toBe(false);
  });

  it('add up when a member holds several (Viewer and JobRunner)', () => {
    const both = [bind('alice@example.com', 'Viewer'), bind('alice@example.com', 'JobRunner')];
    const mayDo = OPERATIONS.filter((operation) => allowed(alice, 'team-a', operation, both));
    expect(mayDo).toEqual(['jobs.read', 'steps.report', 'logs.write', 'members.read']);
  });
});

describe('scopes', () => {
  it('for reading are a jobs or platform scope, for writing a write scope', () => {
    expect(requiredScopes('jobs.read')).toEqual([
      'jobs:read',
      'jobs:write',
      'platform:read',
      'platform:write',
    ]);
    for (const operation of [
      'jobs.create',
      'jobs.control',
      'jobs.delete',
      'jobs.force',
      'steps.report',
      'logs.write',
    ] as const) {
      expect(requiredScopes(operation)).toEqual(['jobs:write', 'platform:write']);
    }
    expect(requiredScopes('members.read')).toEqual([
      'entities:read',
      'entities:write',
      'platform:read',
      'platform:write',
    ]);
    expect(requiredScopes('members.write')).toEqual(['entities:write', 'platform:write']);
  });

  it('narrow a token below its roles, for PlatformAdmin too', () => {
    const editor = [bind('alice@example.com', 'Editor')];
    const readOnly = user('alice@example.com', ['platform:read']);
    expect(allowed(readOnly, 'team-a', 'jobs.read', editor)).toBe(true);
    const refused = refusal(readOnly, 'team-a', 'jobs.create', editor, settings);
    expect(refused).toBeInstanceOf(PermissionDeniedError);
    expect(refused).toMatchObject({ refusedBy: 'scope' });
    expect(refused?.message).toBe(
      "The token's scopes do not allow this: to create jobs it needs one of jobs:write, platform:write.",
    );
    expect(allowed(user('root@example.com', ['jobs:read']), 'team-a', 'jobs.delete')).toBe(false);
  });

  it('of another API do not reach the jobs API', () => {
    const models = user('alice@example.com', ['models:read', 'models:write']);
    expect(allowed(models, 'default', 'jobs.read')).toBe(false);
  });

  it('refuse a token that has none of them (OIDC scopes only, or none at all)', () => {
    for (const scopes of [[], ['openid', 'profile', 'email']]) {
      const refused = refusal(user('alice@example.com', scopes), 'default', 'jobs.read', [], settings);
      expect(refused).toMatchObject({ refusedBy: 'scope' });
    }
  });

  it('accept jobs:write for reading', () => {
    expect(allowed(user('alice@example.com', ['jobs:write']), 'default', 'jobs.read')).toBe(true);
  });
});

describe('with auth disabled', () => {
  const off = { ...settings, enabled: false };

  it('every check allows the anonymous principal, subprocess steps included', () => {
    for (const operation of OPERATIONS) {
      expect(refusal(ANONYMOUS, 'any', operation, [], off)).toBeUndefined();
    }
    expect(workspacesAllowing(ANONYMOUS, 'jobs.read', [], off)).toBe('all');
  });

  it('but with auth enabled the anonymous principal is asked to authenticate', () => {
    const refused = refusal(ANONYMOUS, 'default', 'jobs.read', [bind('*', 'Viewer', 'default')], settings);
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect(refused).toMatchObject({ failure: 'missing' });
  });
});

describe('workspaces a principal may read', () => {
  it('are all of them for a PlatformAdmin', () => {
    expect(workspacesAllowing(root, 'jobs.read', [], settings)).toBe('all');
  });

  it('are those where it or `*` holds a role that reads, and the default workspace', () => {
    const bindings = [
      bind('alice@example.com', 'Viewer', 'team-b'),
      bind('*', 'Viewer', 'public'),
      bind('alice@example.com', 'JobRunner', 'runners-only'),
    ];
    expect(workspacesAllowing(alice, 'jobs.read', bindings, settings)).toEqual([
      'default',
      'public',
      'team-b',
    ]);
    expect(workspacesAllowing(alice, 'steps.report', bindings, settings)).toEqual([
      'default',
      'runners-only',
    ]);
  });

  it('are refused outright when the token cannot read', () => {
    expect(() =>
      workspacesAllowing(user('a@example.com', ['models:read']), 'jobs.read', [], settings),
    ).toThrow(PermissionDeniedError);
  });
});
