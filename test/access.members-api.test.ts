/**
 * The workspace members API over HTTP, with a real issuer: rows persisted as roles, changes taking
 * effect on the next request, the last Admin kept; and auth discovery for CLIs and SDKs.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleBindings } from '../src/access/tables.js';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, useGateway } from './support/gateway.js';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.js';

const ROOT = 'root@example.com';
const ANN = 'ann@example.com';
const BOB = 'bob@example.com';

describe.each(databaseKinds)('the members API on $name', (kind) => {
  let issuer: OidcIssuer;
  beforeAll(async () => {
    issuer = await startOidcIssuer();
  });
  afterAll(() => issuer?.close());
  const suite = useGateway(kind, {
    executor: false,
    get access() {
      return issuer.accessSettings({
        adminEmail: ROOT,
        oidc: { ...issuer.accessSettings().oidc, clientId: 'jobs-cli', scopePrefix: 'api://jobs/' },
      });
    },
  });

  async function as(email: string, method: string, path: string, body?: unknown) {
    const token = await issuer.mint({ email, sub: `sub-${email}` });
    return http(suite.base, method, path, body, { authorization: `Bearer ${token}` });
  }
  const ws = uniqueWorkspace('members');
  const members = `/apis/entities/v2/workspaces/${ws}/members`;
  const rows = () =>
    suite.server.gateway.database.db
      .select({
        principal: roleBindings.principal,
        role: roleBindings.role,
        grantedBy: roleBindings.grantedBy,
      })
      .from(roleBindings)
      .where(eq(roleBindings.workspace, ws))
      .orderBy(roleBindings.principal, roleBindings.role);

  it('adds, lists, replaces and removes members, one row per role', async () => {
    const added = await as(ROOT, 'POST', members, { principal: ANN, roles: ['Admin', 'Viewer'] });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({
      principal: ANN,
      roles: ['Viewer', 'Admin'],
      granted_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      granted_by: ROOT,
    });
    // An Admin of the workspace manages its members.
    expect((await as(ANN, 'POST', members, { principal: BOB })).status).toBe(201);
    expect(await rows()).toEqual([
      { principal: ANN, role: 'Admin', grantedBy: ROOT },
      { principal: ANN, role: 'Viewer', grantedBy: ROOT },
      { principal: BOB, role: 'Editor', grantedBy: ANN },
    ]);
    const listed = await as(BOB, 'GET', members);
    expect(listed.status).toBe(200);
    expect(
      listed.body.data.map((m: { principal: string; roles: string[] }) => [m.principal, m.roles]),
    ).toEqual([
      [ANN, ['Viewer', 'Admin']],
      [BOB, ['Editor']],
    ]);

    const replaced = await as(ANN, 'PUT', `${members}/${BOB}`, { roles: ['Viewer', 'JobRunner'] });
    expect(replaced.status).toBe(200);
    expect(replaced.body.roles).toEqual(['Viewer', 'JobRunner']);
    expect((await rows()).filter((r) => r.principal === BOB).map((r) => r.role)).toEqual([
      'JobRunner',
      'Viewer',
    ]);

    const removed = await as(ANN, 'DELETE', `${members}/${BOB}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ id: BOB, message: expect.any(String) });
    expect((await rows()).map((r) => r.principal)).toEqual([ANN, ANN]);
    expect((await as(ANN, 'DELETE', `${members}/${BOB}`)).status).toBe(404);
  });

  it('a removed or narrowed role stops working on the next request', async () => {
    const jobs = `${JOBS}/workspaces/${ws}/jobs`;
    await as(ROOT, 'POST', members, { principal: 'carol@example.com', roles: ['Editor'] });
    expect((await as('carol@example.com', 'POST', jobs, jobWithSteps('by-carol'))).status).toBe(201);

    await as(ANN, 'PUT', `${members}/carol@example.com`, { roles: ['Viewer'] });
    expect((await as('carol@example.com', 'POST', jobs, jobWithSteps('by-carol-2'))).status).toBe(403);
    expect((await as('carol@example.com', 'GET', `${jobs}/by-carol`)).status).toBe(200);

    await as(ANN, 'DELETE', `${members}/carol@example.com`);
    expect((await as('carol@example.com', 'GET', `${jobs}/by-carol`)).status).toBe(403);
    expect((await as('carol@example.com', 'GET', members)).status).toBe(403);
  });

  it('`*` gives every authenticated principal a role', async () => {
    const jobs = `${JOBS}/workspaces/${ws}/jobs`;
    expect((await as('dave@example.com', 'GET', jobs)).status).toBe(403);
    expect((await as(ANN, 'POST', members, { principal: '*', roles: ['Viewer'] })).status).toBe(201);
    expect((await as('dave@example.com', 'GET', jobs)).status).toBe(200);
    expect((await as(ANN, 'DELETE', `${members}/${encodeURIComponent('*')}`)).status).toBe(200);
    expect((await as('dave@example.com', 'GET', jobs)).status).toBe(403);
  });

  it('only an Admin or a PlatformAdmin changes members; a Viewer lists them', async () => {
    await as(ANN, 'POST', members, { principal: 'erin@example.com', roles: ['Viewer'] });
    expect((await as('erin@example.com', 'GET', members)).status).toBe(200);
    const refused = await as('erin@example.com', 'POST', members, { principal: 'frank@example.com' });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('may not change members');
    expect((await as('erin@example.com', 'DELETE', `${members}/${ANN}`)).status).toBe(403);
    expect((await rows()).some((r) => r.principal === 'frank@example.com')).toBe(false);
  });

  it('keeps the last Admin, refuses a duplicate and bad roles', async () => {
    const lastAdmin = await as(ROOT, 'PUT', `${members}/${ANN}`, { roles: ['Viewer'] });
    expect(lastAdmin.status).toBe(409);
    expect(lastAdmin.headers.get('x-should-retry')).toBe('false');
    expect((await as(ROOT, 'DELETE', `${members}/${ANN}`)).status).toBe(409);
    expect((await as(ROOT, 'POST', members, { principal: ANN })).status).toBe(409);
    const bad = await as(ROOT, 'POST', members, { principal: 'gina@example.com', roles: ['PlatformAdmin'] });
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0].loc).toEqual(['body', 'roles', 0]);
    expect((await rows()).filter((r) => r.role === 'Admin')).toHaveLength(1);
  });

  it('discovery answers without a token, as the platform does', async () => {
    const res = await http(suite.base, 'GET', '/apis/auth/discovery');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      auth_enabled: true,
      oidc: {
        issuer: issuer.url,
        authorization_endpoint: `${issuer.url}/authorize`,
        token_endpoint: `${issuer.url}/token`,
        device_authorization_endpoint: `${issuer.url}/device`,
        userinfo_endpoint: `${issuer.url}/userinfo`,
        client_id: 'jobs-cli',
        default_scopes: 'openid profile email offline_access',
        scope_prefix: 'api://jobs/',
      },
    });
  });
});

describe.each(databaseKinds)('discovery with access control off on $name', (kind) => {
  const suite = useGateway(kind, { executor: false });
  it('says so', async () => {
    expect((await http(suite.base, 'GET', '/apis/auth/discovery')).body).toEqual({ auth_enabled: false });
  });
});
