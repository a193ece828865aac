/**
 * Access control on the REST door, with a real OIDC issuer and the real gateway: every kind of bad
 * token is a 401, each role may do exactly its operations (a table over the real routes), scopes
 * narrow a token, a refusal never tells whether a job exists, `workspaces/-` listings show only
 * what the caller may read, subprocess steps are a PlatformAdmin's, and changes name their actor.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobStatusEvents } from '../src/jobs/tables.js';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, useGateway } from './support/gateway.js';
import { startOidcIssuer, type OidcIssuer, type TokenClaims } from './support/oidc-issuer.js';

const ROOT = 'root@example.com';
const MEMBERS = '/apis/entities/v2';

type Role = 'Viewer' | 'Editor' | 'Admin' | 'JobRunner' | 'PlatformAdmin' | 'none';
const ROLES: Role[] = ['Viewer', 'Editor', 'Admin', 'JobRunner', 'PlatformAdmin', 'none'];
const emailOf = (role: Role) => (role === 'PlatformAdmin' ? ROOT : `${role.toLowerCase()}@example.com`);

const subprocessJob = (name: string) => ({
  name,
  source: 'tests',
  spec: {},
  platform_spec: { steps: [{ name: 'step-a', executor: { provider: 'subprocess', command: ['true'] } }] },
});

describe.each(databaseKinds)('access control on the REST door on $name', (kind) => {
  let issuer: OidcIssuer;
  beforeAll(async () => {
    issuer = await startOidcIssuer();
  });
  afterAll(() => issuer?.close());
  // Steps are moved by hand here, as an external controller would: no built-in executor.
  const suite = useGateway(kind, {
    executor: false,
    get access() {
      return issuer.accessSettings({ adminEmail: ROOT });
    },
  });

  const tokens = new Map<string, string>();
  /** A token of `email` with every scope (or the claims given), minted once. */
  async function tokenOf(email: string, claims: TokenClaims = {}) {
    const key = JSON.stringify([email, claims]);
    if (!tokens.has(key)) tokens.set(key, await issuer.mint({ email, sub: `sub-${email}`, ...claims }));
    return tokens.get(key)!;
  }
  /** A REST call as `email` (under the jobs API unless the path names another). */
  async function as(email: string, method: string, path: string, body?: unknown, claims?: TokenClaims) {
    const url = path.startsWith('/apis/') ? path : JOBS + path;
    return http(suite.base, method, url, body, { authorization: `Bearer ${await tokenOf(email, claims)}` });
  }
  const root = (method: string, path: string, body?: unknown) => as(ROOT, method, path, body);
  async function rootDoes(method: string, path: string, body?: unknown) {
    const res = await root(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path} as root: ${res.status} ${res.text}`);
    return res.body;
  }

  /** A workspace where each role but PlatformAdmin and none is held by its own principal. */
  const ws = uniqueWorkspace('team');
  beforeAll(async () => {
    for (const role of ['Viewer', 'Editor', 'Admin', 'JobRunner'] as const) {
      await rootDoes('POST', `${MEMBERS}/workspaces/${ws}/members`, {
        principal: emailOf(role),
        roles: [role],
      });
    }
  });

  describe('a token that is not accepted is a 401 with a Bearer challenge', () => {
    const path = `${JOBS}/workspaces/default/jobs`;
    const cases: [string, () => Promise<Record<string, string>>][] = [
      ['no Authorization header', async () => ({})],
      ['another scheme', async () => ({ authorization: 'Basic dXNlcjpwYXNz' })],
      ['a malformed token', async () => ({ authorization: 'Bearer not-a-jwt' })],
      [
        'an expired token',
        async () => ({ authorization: `Bearer ${await issuer.mint({}, { expiresIn: -600 })}` }),
      ],
      [
        'a token not valid yet',
        async () => ({ authorization: `Bearer ${await issuer.mint({}, { notBefore: 600 })}` }),
      ],
      [
        'a token of another issuer',
        async () => ({ authorization: `Bearer ${await issuer.mint({ iss: 'https://issuer.example.org' })}` }),
      ],
      [
        'a token for another audience',
        async () => ({ authorization: `Bearer ${await issuer.mint({ aud: 'another-service' })}` }),
      ],
      [
        'a token signed by a key the issuer never published',
        async () => ({ authorization: `Bearer ${await issuer.mint({}, { unpublishedKey: true })}` }),
      ],
      ['an unsigned token', async () => ({ authorization: `Bearer ${issuer.mintUnsigned()}` })],
    ];
    it.each(cases)('%s', async (_, headers) => {
      const res = await http(suite.base, 'GET', path, undefined, await headers());
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: expect.any(String) });
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    });

    it('names the reason in the challenge, never the token', async () => {
      const expired = await issuer.mint({}, { expiresIn: -600 });
      const res = await http(suite.base, 'GET', path, undefined, { authorization: `Bearer ${expired}` });
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer error="invalid_token", error_description="The token has expired."',
      );
      expect(res.text).not.toContain(expired.split('.')[1]);
    });

    it('the documentation, discovery, probes and the index stay open', async () => {
      for (const open of ['/openapi.json', '/docs', '/apis/auth/discovery', '/healthz', '/readyz', '/']) {
        expect((await http(suite.base, 'GET', open)).status, open).toBe(200);
      }
    });
  });

  describe('each role may do exactly its operations in its workspace', () => {
    let counter = 0;
    /** A fresh one-step job in the workspace, created (and moved along) by the PlatformAdmin. */
    async function freshJob(...moves: [string, string, unknown?][]) {
      const name = `job-${++counter}`;
      await rootDoes('POST', `/workspaces/${ws}/jobs`, jobWithSteps(name));
      for (const [method, suffix, body] of moves)
        await rootDoes(method, `/workspaces/${ws}/jobs/${name}${suffix}`, body);
      return `/workspaces/${ws}/jobs/${name}`;
    }
    const operations: Record<
      string,
      { expected: number; run: (email: string) => Promise<{ status: number }> }
    > = {
      read: { expected: 200, run: async (who) => as(who, 'GET', await freshJob()) },
      create: {
        expected: 201,
        run: (who) => as(who, 'POST', `/workspaces/${ws}/jobs`, jobWithSteps(`new-${++counter}`)),
      },
      pause: { expected: 200, run: async (who) => as(who, 'POST', `${await freshJob()}/pause`, {}) },
      resume: {
        expected: 200,
        run: async (who) =>
          as(
            who,
            'POST',
            `${await freshJob(['POST', '/pause', {}], ['PATCH', '/steps/step-a/status', { status: 'paused' }])}/resume`,
            {},
          ),
      },
      cancel: { expected: 200, run: async (who) => as(who, 'POST', `${await freshJob()}/cancel`, {}) },
      delete: {
        expected: 204,
        run: async (who) => as(who, 'DELETE', await freshJob(['POST', '/cancel', {}])),
      },
      'step status': {
        expected: 200,
        run: async (who) => as(who, 'PATCH', `${await freshJob()}/steps/step-a/status`, { status: 'active' }),
      },
      'one step': { expected: 200, run: async (who) => as(who, 'GET', `${await freshJob()}/steps/step-a`) },
      'status details': {
        expected: 200,
        run: async (who) => as(who, 'PATCH', `${await freshJob()}/status-details`, { progress: 0.5 }),
      },
      'task list': {
        expected: 200,
        run: async (who) => as(who, 'GET', `${await freshJob()}/steps/step-a/tasks`),
      },
      'task report': {
        expected: 200,
        run: async (who) =>
          as(who, 'PUT', `${await freshJob()}/steps/step-a/tasks/worker-0`, { status: 'active' }),
      },
      'result list': { expected: 200, run: async (who) => as(who, 'GET', `${await freshJob()}/results`) },
      'result create': {
        expected: 201,
        run: async (who) =>
          as(who, 'POST', `${await freshJob()}/results/metrics`, {
            artifact_url: 'fileset://x/y/metrics.json',
            artifact_storage_type: 'fileset',
          }),
      },
      'forced cancel': {
        expected: 200,
        run: async (who) =>
          as(who, 'POST', `${await freshJob(['POST', '/pause', {}])}/cancel?force=true`, {}),
      },
      'forced delete': {
        expected: 204,
        run: async (who) => as(who, 'DELETE', `${await freshJob(['POST', '/pause', {}])}?force=true`),
      },
      'members list': { expected: 200, run: (who) => as(who, 'GET', `${MEMBERS}/workspaces/${ws}/members`) },
      'members add': {
        expected: 201,
        run: (who) =>
          as(who, 'POST', `${MEMBERS}/workspaces/${ws}/members`, {
            principal: `added-${++counter}@example.com`,
            roles: ['Viewer'],
          }),
      },
    };
    const reads = ['read', 'one step', 'task list', 'result list', 'members list'];
    const reports = ['step status', 'status details', 'task report', 'result create'];
    const allowed: Record<Role, string[]> = {
      Viewer: reads,
      Editor: [...reads, 'create', 'pause', 'resume', 'cancel', 'delete', ...reports],
      Admin: Object.keys(operations),
      JobRunner: reports,
      PlatformAdmin: Object.keys(operations),
      none: [],
    };
    const table = ROLES.flatMap((role) =>
      Object.keys(operations).map((op) => [role, op, allowed[role].includes(op)] as const),
    );

    it.each(table)('%s: %s allowed = %s', async (role, op, isAllowed) => {
      const res = (await operations[op].run(emailOf(role))) as { status: number; body?: unknown };
      if (isAllowed) expect(res.status, JSON.stringify(res.body)).toBe(operations[op].expected);
      else {
        expect(res.status, JSON.stringify(res.body)).toBe(403);
        expect(res.body).toEqual({ detail: expect.stringContaining(`'${emailOf(role)}' may not`) });
      }
    });
  });

  describe('scopes narrow a token below its roles', () => {
    it('a token with no jobs or platform scope is refused, even in the default workspace', async () => {
      const res = await as('someone@example.com', 'GET', '/workspaces/default/jobs', undefined, {
        scope: 'openid profile email',
      });
      expect(res.status).toBe(403);
      expect(res.body.detail).toMatch(
        /scopes .* needs one of jobs:read, jobs:write, platform:read, platform:write/,
      );
    });

    it('jobs:read reads but does not write; jobs:write does both', async () => {
      const reader = { scope: 'jobs:read' };
      expect((await as(emailOf('Editor'), 'GET', `/workspaces/${ws}/jobs`, undefined, reader)).status).toBe(
        200,
      );
      const refused = await as(
        emailOf('Editor'),
        'POST',
        `/workspaces/${ws}/jobs`,
        jobWithSteps('scoped'),
        reader,
      );
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toContain('jobs:write, platform:write');
      const writer = { scope: 'jobs:write' };
      expect(
        (await as(emailOf('Editor'), 'POST', `/workspaces/${ws}/jobs`, jobWithSteps('scoped'), writer))
          .status,
      ).toBe(201);
    });
  });

  describe('a refusal never tells whether a job exists', () => {
    const stranger = 'stranger@example.com';
    beforeAll(async () => {
      await rootDoes('POST', `/workspaces/${ws}/jobs`, jobWithSteps('secret-job'));
    });
    it.each([
      ['GET', ''],
      ['GET', '/status'],
      ['GET', '/steps'],
      ['GET', '/logs'],
      ['GET', '/events'],
      ['POST', '/pause'],
      ['POST', '/cancel'],
      ['DELETE', ''],
      ['PATCH', '/steps/step-a/status'],
    ])('%s …/jobs/{name}%s: the same 403 for an existing job and a missing one', async (method, suffix) => {
      const body = method === 'PATCH' ? { status: 'active' } : method === 'POST' ? {} : undefined;
      const existing = await as(stranger, method, `/workspaces/${ws}/jobs/secret-job${suffix}`, body);
      const missing = await as(stranger, method, `/workspaces/${ws}/jobs/no-such-job${suffix}`, body);
      expect(existing.status).toBe(403);
      expect(missing.status).toBe(existing.status);
      expect(missing.text).toBe(existing.text);
      expect(existing.headers.get('content-type')).toMatch(/^application\/json/);
    });
  });

  describe('workspaces/- lists only what the caller may read', () => {
    const other = uniqueWorkspace('other');
    beforeAll(async () => {
      await rootDoes('POST', `/workspaces/${ws}/jobs`, jobWithSteps('visible-job'));
      await rootDoes('POST', `/workspaces/${other}/jobs`, jobWithSteps('hidden-job'));
    });
    const workspacesIn = (data: { workspace: string }[]) => new Set(data.map((item) => item.workspace));

    it('jobs', async () => {
      const viewer = await as(emailOf('Viewer'), 'GET', '/workspaces/-/jobs?page_size=100');
      expect(viewer.status).toBe(200);
      expect(workspacesIn(viewer.body.data).has(ws)).toBe(true);
      expect(workspacesIn(viewer.body.data).has(other)).toBe(false);
      expect(viewer.body.pagination.total_results).toBe(viewer.body.data.length);
      const admin = await root('GET', `/workspaces/-/jobs?page_size=100&filter[name]=hidden-job`);
      expect(workspacesIn(admin.body.data)).toEqual(new Set([other]));
      // A JobRunner reads nothing: an empty list, not a refusal.
      const runner = await as(emailOf('JobRunner'), 'GET', '/workspaces/-/jobs?filter[name]=visible-job');
      expect(runner.status).toBe(200);
      expect(runner.body.data).toEqual([]);
    });

    it('steps', async () => {
      const viewer = await as(emailOf('Viewer'), 'GET', '/workspaces/-/jobs/-/steps?page_size=100');
      expect(viewer.status).toBe(200);
      expect(workspacesIn(viewer.body.data).has(other)).toBe(false);
      expect(workspacesIn(viewer.body.data).has(ws)).toBe(true);
      const admin = await root('GET', '/workspaces/-/jobs/-/steps?page_size=100');
      expect(workspacesIn(admin.body.data).has(other)).toBe(true);
    });

    it('jobs, filtered by workspace: only readable ones, whatever the filter names', async () => {
      const viewer = await as(
        emailOf('Viewer'),
        'GET',
        `/workspaces/-/jobs?filter[workspace]=${ws},${other}`,
      );
      expect(viewer.status).toBe(200);
      expect(workspacesIn(viewer.body.data)).toEqual(new Set([ws]));
      expect(viewer.body.filter).toEqual({ workspace: `${ws},${other}` });
      const hidden = await as(emailOf('Viewer'), 'GET', `/workspaces/-/jobs?filter[workspace]=${other}`);
      expect(hidden.body).toMatchObject({ data: [], pagination: { total_results: 0 } });
      const admin = await root('GET', `/workspaces/-/jobs?page_size=100&filter[workspace]=${other}`);
      expect(workspacesIn(admin.body.data)).toEqual(new Set([other]));
      // In a workspace's own listing, another workspace matches nothing.
      const elsewhere = await as(
        emailOf('Viewer'),
        'GET',
        `/workspaces/${ws}/jobs?filter[workspace]=${other}`,
      );
      expect(elsewhere.body.data).toEqual([]);
    });

    it('a workspace named in the path is authorized, not filtered', async () => {
      expect((await as(emailOf('Viewer'), 'GET', `/workspaces/${other}/jobs`)).status).toBe(403);
      expect((await as(emailOf('Viewer'), 'GET', `/workspaces/${other}/jobs/-/steps`)).status).toBe(403);
    });
  });

  describe('subprocess steps run on the gateway’s host', () => {
    it('an Editor may not create them, naming why', async () => {
      const res = await as(emailOf('Editor'), 'POST', `/workspaces/${ws}/jobs`, subprocessJob('script'));
      expect(res.status).toBe(403);
      expect(res.body.detail).toContain('subprocess steps');
      expect((await root('GET', `/workspaces/${ws}/jobs/script`)).status).toBe(404);
    });

    it('a PlatformAdmin may', async () => {
      expect((await root('POST', `/workspaces/${ws}/jobs`, subprocessJob('script'))).status).toBe(201);
    });
  });

  describe('audit', () => {
    it('a job names its creator in ownership.created_by, whatever the request said', async () => {
      const res = await as(emailOf('Editor'), 'POST', `/workspaces/${ws}/jobs`, {
        ...jobWithSteps('audited'),
        ownership: { team: 'data', created_by: 'someone-else@example.com' },
      });
      expect(res.status).toBe(201);
      expect(res.body.ownership).toEqual({ team: 'data', created_by: emailOf('Editor') });
      expect((await as(emailOf('Viewer'), 'GET', `/workspaces/${ws}/jobs/audited`)).body.ownership).toEqual({
        team: 'data',
        created_by: emailOf('Editor'),
      });
    });

    it('each status event records the principal that caused it', async () => {
      const created = await as(emailOf('Editor'), 'POST', `/workspaces/${ws}/jobs`, jobWithSteps('acted-on'));
      await as(emailOf('JobRunner'), 'PATCH', `/workspaces/${ws}/jobs/acted-on/steps/step-a/status`, {
        status: 'active',
      });
      const task = await as(
        emailOf('JobRunner'),
        'PUT',
        `/workspaces/${ws}/jobs/acted-on/steps/step-a/tasks/rank-0`,
        {
          status: 'active',
        },
      );
      expect(task.body).toMatchObject({ created_by: emailOf('JobRunner'), updated_by: emailOf('JobRunner') });
      const updated = await as(
        emailOf('Editor'),
        'PUT',
        `/workspaces/${ws}/jobs/acted-on/steps/step-a/tasks/rank-0`,
        {
          status: 'error',
        },
      );
      expect(updated.body).toMatchObject({ created_by: emailOf('JobRunner'), updated_by: emailOf('Editor') });
      await as(emailOf('Admin'), 'POST', `/workspaces/${ws}/jobs/acted-on/cancel`, {});
      // Its controller is gone: an Admin forces the cancel, then the job can be deleted.
      expect(
        (await as(emailOf('Editor'), 'POST', `/workspaces/${ws}/jobs/acted-on/cancel?force=true`, {})).status,
      ).toBe(403);
      const forced = await as(
        emailOf('Admin'),
        'POST',
        `/workspaces/${ws}/jobs/acted-on/cancel?force=true`,
        {},
      );
      expect(forced.body.status).toBe('cancelled');
      const rows = await suite.server.gateway.database.db
        .select({ status: jobStatusEvents.status, actor: jobStatusEvents.actor })
        .from(jobStatusEvents)
        .where(and(eq(jobStatusEvents.jobId, created.body.id)))
        .orderBy(jobStatusEvents.id);
      expect(rows).toEqual([
        { status: 'created', actor: emailOf('Editor') },
        { status: 'active', actor: emailOf('JobRunner') },
        { status: 'cancelling', actor: emailOf('Admin') },
        { status: 'cancelled', actor: emailOf('Admin') },
      ]);
    });

    it('a forced delete of an unfinished job records its cancel, by whom, and deletes it', async () => {
      const created = await as(
        emailOf('Editor'),
        'POST',
        `/workspaces/${ws}/jobs`,
        jobWithSteps('forced-out'),
      );
      await as(emailOf('JobRunner'), 'PATCH', `/workspaces/${ws}/jobs/forced-out/steps/step-a/status`, {
        status: 'active',
      });
      const refused = await as(emailOf('Editor'), 'DELETE', `/workspaces/${ws}/jobs/forced-out?force=true`);
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toContain('force');
      expect((await as(emailOf('Admin'), 'DELETE', `/workspaces/${ws}/jobs/forced-out`)).status).toBe(409);
      expect(
        (await as(emailOf('Admin'), 'DELETE', `/workspaces/${ws}/jobs/forced-out?force=true`)).status,
      ).toBe(204);
      expect((await root('GET', `/workspaces/${ws}/jobs/forced-out`)).status).toBe(404);
      const rows = await suite.server.gateway.database.db
        .select({ status: jobStatusEvents.status, actor: jobStatusEvents.actor })
        .from(jobStatusEvents)
        .where(eq(jobStatusEvents.jobId, created.body.id))
        .orderBy(jobStatusEvents.id);
      expect(rows.at(-1)).toEqual({ status: 'cancelled', actor: emailOf('Admin') });
    });
  });
});

describe.each(databaseKinds)('with access control off on $name', (kind) => {
  const suite = useGateway(kind, { executor: false });

  it('everything is allowed without a token, and no actor is recorded', async () => {
    const ws = uniqueWorkspace();
    const created = await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, subprocessJob('free'));
    expect(created.status).toBe(201);
    expect(created.body.ownership).toEqual({});
    const rows = await suite.server.gateway.database.db
      .select({ actor: jobStatusEvents.actor })
      .from(jobStatusEvents)
      .where(eq(jobStatusEvents.jobId, created.body.id));
    expect(rows).toEqual([{ actor: null }]);
    expect((await http(suite.base, 'GET', `/apis/entities/v2/workspaces/${ws}/members`)).body).toEqual({
      data: [],
    });
  });
});
