/**
 * Workspace members in a real database, and the access control that reads them: tokens from a
 * real OIDC issuer, roles from the members' rows, the roles cache of each process.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccessControl,
  ANONYMOUS,
  AuthenticationError,
  defaultAccessSettings,
  LastAdminError,
  MemberAlreadyExistsError,
  MemberNotFoundError,
  PermissionDeniedError,
  workspaceMemberInput,
  workspaceMemberUpdate,
  type Principal,
} from '../src/access/index.js';
import { roleBindings } from '../src/access/tables.js';
import type { DatabaseHandle } from '../src/db/client.js';
import { databaseKinds, openMigrated, type TestDatabase } from './support/databases.js';
import { uniqueWorkspace } from './support/fixtures.js';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.js';

const ROOT = 'root@example.com';

describe('member input', () => {
  it('defaults to Editor and keeps each role once, in role order', () => {
    expect(workspaceMemberInput.parse({ principal: 'a@example.com' })).toEqual({
      principal: 'a@example.com',
      roles: ['Editor'],
    });
    expect(workspaceMemberUpdate.parse({ roles: ['JobRunner', 'Viewer', 'JobRunner'] })).toEqual({
      roles: ['Viewer', 'JobRunner'],
    });
  });

  it('refuses unknown roles, PlatformAdmin, no roles and principals with spaces', () => {
    for (const body of [
      { principal: 'a@example.com', roles: ['Owner'] },
      { principal: 'a@example.com', roles: ['PlatformAdmin'] },
      { principal: 'a@example.com', roles: [] },
      { principal: 'a b', roles: ['Viewer'] },
      { principal: '', roles: ['Viewer'] },
      { roles: ['Viewer'] },
    ]) {
      expect(workspaceMemberInput.safeParse(body).success).toBe(false);
    }
  });
});

describe.each(databaseKinds)('workspace members on $name', (kind) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let issuer: OidcIssuer;
  let access: AccessControl;
  const queries: string[] = [];
  let offset = 0;
  const now = () => Date.now() + offset;

  beforeAll(async () => {
    database = await kind.create();
    handle = await openMigrated(database, (sql) => queries.push(sql));
    issuer = await startOidcIssuer();
    access = new AccessControl(handle.db, issuer.accessSettings({ adminEmail: ROOT }), { now });
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
    await issuer?.close();
  });

  const principal = async (email: string, scope = 'platform:read platform:write') =>
    access.authenticate(`Bearer ${await issuer.mint({ email, sub: `sub-${email}`, scope })}`);
  const rowsOf = (workspace: string) =>
    handle.db.select().from(roleBindings).where(eq(roleBindings.workspace, workspace));

  describe('the members service', () => {
    it('stores one row per role, with who granted it and when', async () => {
      const ws = uniqueWorkspace();
      const member = await access.members.add(
        ws,
        { principal: 'alice@example.com', roles: ['JobRunner', 'Viewer'] },
        ROOT,
      );
      expect(member).toEqual({
        principal: 'alice@example.com',
        roles: ['Viewer', 'JobRunner'],
        grantedAt: expect.any(Date),
        grantedBy: ROOT,
      });
      const rows = await rowsOf(ws);
      expect(rows.map((r) => r.role).sort()).toEqual(['JobRunner', 'Viewer']);
      expect(rows.every((r) => r.principal === 'alice@example.com' && r.grantedBy === ROOT)).toBe(true);
      expect(await access.members.list(ws)).toEqual([member]);
      expect(await access.members.list(uniqueWorkspace())).toEqual([]);
    });

    it('lists every member of a workspace by principal', async () => {
      const ws = uniqueWorkspace();
      await access.members.add(ws, { principal: 'zed@example.com', roles: ['Viewer'] }, ROOT);
      await access.members.add(ws, { principal: '*', roles: ['Viewer'] }, ROOT);
      await access.members.add(ws, { principal: 'amy@example.com' }, 'zed@example.com');
      const members = await access.members.list(ws);
      expect(members.map((m) => [m.principal, m.roles, m.grantedBy])).toEqual([
        ['*', ['Viewer'], ROOT],
        ['amy@example.com', ['Editor'], 'zed@example.com'],
        ['zed@example.com', ['Viewer'], ROOT],
      ]);
    });

    it('refuses to add a principal that is already a member', async () => {
      const ws = uniqueWorkspace();
      await access.members.add(ws, { principal: 'alice@example.com', roles: ['Viewer'] }, ROOT);
      await expect(
        access.members.add(ws, { principal: 'alice@example.com', roles: ['Admin'] }, ROOT),
      ).rejects.toThrow(MemberAlreadyExistsError);
      expect((await rowsOf(ws)).map((r) => r.role)).toEqual(['Viewer']);
    });

    it('replaces roles: kept roles keep their grant, new ones are granted now, dropped ones go', async () => {
      const ws = uniqueWorkspace();
      const first = await access.members.add(
        ws,
        { principal: 'alice@example.com', roles: ['Viewer', 'JobRunner'] },
        ROOT,
      );
      const replaced = await access.members.replaceRoles(
        ws,
        'alice@example.com',
        ['Editor', 'Viewer'],
        'ops@example.com',
      );
      expect(replaced).toEqual({
        principal: 'alice@example.com',
        roles: ['Viewer', 'Editor'],
        grantedAt: first.grantedAt,
        grantedBy: ROOT,
      });
      const rows = await rowsOf(ws);
      expect(rows.map((r) => [r.role, r.grantedBy]).sort()).toEqual([
        ['Editor', 'ops@example.com'],
        ['Viewer', ROOT],
      ]);
      await expect(access.members.replaceRoles(ws, 'nobody@example.com', ['Viewer'], ROOT)).rejects.toThrow(
        MemberNotFoundError,
      );
    });

    it('removes a member with all its roles', async () => {
      const ws = uniqueWorkspace();
      await access.members.add(ws, { principal: 'alice@example.com', roles: ['Viewer', 'Editor'] }, ROOT);
      await access.members.add(ws, { principal: 'bob@example.com', roles: ['Viewer'] }, ROOT);
      const removed = await access.members.remove(ws, 'alice@example.com');
      expect(removed.roles).toEqual(['Viewer', 'Editor']);
      expect((await rowsOf(ws)).map((r) => r.principal)).toEqual(['bob@example.com']);
      const error = await access.members.remove(ws, 'alice@example.com').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemberNotFoundError);
      expect((error as Error).message).toBe(
        `Principal 'alice@example.com' is not a member of workspace '${ws}'.`,
      );
    });

    it('keeps the last Admin of a workspace', async () => {
      const ws = uniqueWorkspace();
      await access.members.add(ws, { principal: 'alice@example.com', roles: ['Admin'] }, ROOT);
      await access.members.add(ws, { principal: 'bob@example.com', roles: ['Admin'] }, ROOT);
      await access.members.add(ws, { principal: 'carol@example.com', roles: ['Editor'] }, ROOT);
      await access.members.remove(ws, 'bob@example.com');
      await expect(access.members.remove(ws, 'alice@example.com')).rejects.toThrow(LastAdminError);
      await expect(access.members.replaceRoles(ws, 'alice@example.com', ['Editor'], ROOT)).rejects.toThrow(
        LastAdminError,
      );
      // Other members come and go as before.
      await access.members.remove(ws, 'carol@example.com');
      expect((await access.members.list(ws)).map((m) => [m.principal, m.roles])).toEqual([
        ['alice@example.com', ['Admin']],
      ]);
    });

    it('lets only one of two Admins removed at the same moment go', async () => {
      const ws = uniqueWorkspace();
      await access.members.add(ws, { principal: 'alice@example.com', roles: ['Admin'] }, ROOT);
      await access.members.add(ws, { principal: 'bob@example.com', roles: ['Admin'] }, ROOT);
      const results = await Promise.allSettled([
        access.members.remove(ws, 'alice@example.com'),
        access.members.remove(ws, 'bob@example.com'),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.filter((r) => r.status === 'rejected');
      expect(rejected.map((r) => r.reason)).toEqual([expect.any(LastAdminError)]);
      expect(await rowsOf(ws)).toHaveLength(1);
    });
  });

  describe('access control', () => {
    it('gives a token’s principal the roles its membership holds, at once on this process', async () => {
      const ws = uniqueWorkspace();
      const alice = await principal('alice@example.com');
      await expect(access.authorize(alice, ws, 'jobs.read')).rejects.toThrow(PermissionDeniedError);

      await access.members.add(ws, { principal: 'alice@example.com', roles: ['Viewer'] }, ROOT);
      await access.authorize(alice, ws, 'jobs.read');
      await expect(access.authorize(alice, ws, 'jobs.control')).rejects.toThrow(PermissionDeniedError);

      await access.members.replaceRoles(ws, 'alice@example.com', ['Editor'], ROOT);
      await access.authorize(alice, ws, 'jobs.control');
      expect(await access.allowedOperations(alice, ws)).toEqual(
        new Set(['jobs.read', 'jobs.create', 'jobs.control', 'jobs.delete', 'steps.report', 'members.read']),
      );

      await access.members.remove(ws, 'alice@example.com');
      expect(await access.allows(alice, ws, 'jobs.read')).toBe(false);
    });

    it('gives everyone the roles of `*`, and Editor in the default workspace', async () => {
      const ws = uniqueWorkspace();
      const bob = await principal('bob@example.com');
      await access.members.add(ws, { principal: '*', roles: ['Viewer'] }, ROOT);
      await access.authorize(bob, ws, 'jobs.read');
      await expect(access.authorize(bob, ws, 'jobs.delete')).rejects.toThrow(PermissionDeniedError);
      await access.authorize(bob, 'default', 'jobs.delete');
    });

    it('lets the admin email do everything everywhere, and only it run subprocess steps', async () => {
      const ws = uniqueWorkspace();
      const root = await principal(ROOT);
      await access.authorize(root, ws, 'members.write');
      await access.authorize(root, ws, 'jobs.runSubprocess');
      const alice = await principal('alice@example.com');
      await access.members.add(ws, { principal: 'alice@example.com', roles: ['Admin'] }, root.id);
      await access.authorize(alice, ws, 'members.write');
      const refused = await access.authorize(alice, ws, 'jobs.runSubprocess').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(PermissionDeniedError);
      expect((refused as Error).message).toBe(
        `Principal 'alice@example.com' may not create jobs with subprocess steps (they run commands on the gateway's host) in workspace '${ws}'.`,
      );
    });

    it('judges the token’s scopes before looking up any role', async () => {
      const ws = uniqueWorkspace();
      const models = await principal('alice@example.com', 'models:read models:write');
      queries.length = 0;
      const refused = await access.authorize(models, ws, 'jobs.read').catch((e: unknown) => e);
      expect(refused).toMatchObject({ refusedBy: 'scope' });
      expect(queries).toEqual([]);
    });

    it('lists the workspaces a principal may read', async () => {
      const mine = uniqueWorkspace('mine');
      const open = uniqueWorkspace('open');
      const runner = uniqueWorkspace('runner');
      const carol = await principal('carol@example.com');
      await access.members.add(mine, { principal: 'carol@example.com', roles: ['Viewer'] }, ROOT);
      await access.members.add(open, { principal: '*', roles: ['Editor'] }, ROOT);
      await access.members.add(runner, { principal: 'carol@example.com', roles: ['JobRunner'] }, ROOT);
      const readable = await access.workspacesAllowing(carol, 'jobs.read');
      expect(readable).toContain(mine);
      expect(readable).toContain(open);
      expect(readable).toContain('default');
      expect(readable).not.toContain(runner);
      expect(await access.workspacesAllowing(await principal(ROOT), 'jobs.read')).toBe('all');
    });

    it('looks roles up once per principal and workspace, then from the cache', async () => {
      const ws = uniqueWorkspace();
      await access.members.add(ws, { principal: 'dan@example.com', roles: ['Viewer'] }, ROOT);
      const dan = await principal('dan@example.com');
      offset += 1_000; // a revision check is due
      queries.length = 0;
      for (let i = 0; i < 100; i++) await access.authorize(dan, ws, 'jobs.read');
      expect(queries.filter((q) => /from "role_bindings_revision"/.test(q))).toHaveLength(1);
      expect(queries.filter((q) => /from "role_bindings"/.test(q))).toHaveLength(1);
    });

    it('on another process sees a removed role within one revision interval', async () => {
      const ws = uniqueWorkspace();
      // On PostgreSQL a second connection pool, as another gateway process has; PGlite has one process.
      const otherHandle = kind.name === 'postgres' ? await openMigrated(database) : handle;
      let otherOffset = 0;
      const other = new AccessControl(otherHandle.db, issuer.accessSettings({ adminEmail: ROOT }), {
        now: () => Date.now() + otherOffset,
      });
      try {
        await access.members.add(ws, { principal: 'erin@example.com', roles: ['Editor'] }, ROOT);
        otherOffset += 1_000;
        const erin = await other.authenticate(`Bearer ${await issuer.mint({ email: 'erin@example.com' })}`);
        await other.authorize(erin, ws, 'jobs.create'); // now cached on the other process

        await access.members.remove(ws, 'erin@example.com');
        otherOffset += 1_000; // one revision interval later, well within 5 s
        await expect(other.authorize(erin, ws, 'jobs.create')).rejects.toThrow(PermissionDeniedError);

        // And a role granted elsewhere arrives the same way.
        await access.members.add(ws, { principal: 'erin@example.com', roles: ['Viewer'] }, ROOT);
        otherOffset += 1_000;
        await other.authorize(erin, ws, 'jobs.read');
      } finally {
        if (otherHandle !== handle) await otherHandle.close();
      }
    });
  });
});

describe('access control without members', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let issuer: OidcIssuer;
  beforeAll(async () => {
    database = await databaseKinds[0].create();
    handle = await openMigrated(database);
    issuer = await startOidcIssuer();
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
    await issuer?.close();
  });

  it('with auth disabled lets the anonymous principal do everything without a token', async () => {
    const access = new AccessControl(handle.db, defaultAccessSettings);
    const anonymous: Principal = await access.authenticate(undefined);
    expect(anonymous).toBe(ANONYMOUS);
    await access.authorize(anonymous, 'anything', 'jobs.runSubprocess');
    await access.authorize(anonymous, 'anything', 'members.write');
    expect(await access.workspacesAllowing(anonymous, 'jobs.read')).toBe('all');
    expect(await access.discovery()).toEqual({ authEnabled: false });
  });

  it('with auth enabled needs a token, and refuses the anonymous principal', async () => {
    const access = new AccessControl(handle.db, issuer.accessSettings());
    await expect(access.authenticate(undefined)).rejects.toThrow(AuthenticationError);
    await expect(access.authorize(ANONYMOUS, 'default', 'jobs.read')).rejects.toThrow(AuthenticationError);
  });

  it('with auth enabled tells clients where to log in', async () => {
    const settings = issuer.accessSettings();
    const access = new AccessControl(handle.db, {
      ...settings,
      oidc: { ...settings.oidc, clientId: 'nmp-cli', scopePrefix: 'api://nmp/' },
    });
    expect(await access.discovery()).toEqual({
      authEnabled: true,
      oidc: {
        issuer: issuer.url,
        clientId: 'nmp-cli',
        authorizationEndpoint: `${issuer.url}/authorize`,
        tokenEndpoint: `${issuer.url}/token`,
        deviceAuthorizationEndpoint: `${issuer.url}/device`,
        userinfoEndpoint: `${issuer.url}/userinfo`,
        defaultScopes: 'openid profile email offline_access',
        scopePrefix: 'api://nmp/',
      },
    });
  });
});
