/**
 * Access control on GraphQL over HTTP: tokens from a real OIDC issuer, roles from workspace
 * members, on a real gateway. Bad tokens, every role against every query and mutation, refusals
 * that do not say whether a job exists, and the members API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, type TestDatabase } from './support/databases.js';
import { startGateway, subscribe, wsClient, type RunningGateway } from './support/gateway.js';
import {
  gqlAs,
  memberEmail,
  ROOT,
  useAccessGateway,
  WORKSPACE_ROLES,
  type Role,
} from './support/graphql-access.js';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.js';

const JOB = /* GraphQL */ `
  query ($workspace: String!, $name: String!) {
    job(workspace: $workspace, name: $name) {
      name
      allowedActions
    }
  }
`;
const JOBS_QUERY = /* GraphQL */ `
  query ($workspace: String!) {
    jobs(workspace: $workspace) {
      totalCount
    }
  }
`;
const MEMBERS = /* GraphQL */ `
  query ($workspace: String!) {
    workspaceMembers(workspace: $workspace) {
      principal
      roles
      grantedBy
    }
  }
`;
const RESULT = /* GraphQL */ `
  __typename
  ... on Error {
    message
  }
  ... on NotAuthorizedError {
    reason
  }
`;
const PAUSE = `mutation ($workspace: String!, $name: String!) { pauseJob(workspace: $workspace, name: $name) { ${RESULT} } }`;
const RESUME = `mutation ($workspace: String!, $name: String!) { resumeJob(workspace: $workspace, name: $name) { ${RESULT} } }`;
const CANCEL = `mutation ($workspace: String!, $name: String!) { cancelJob(workspace: $workspace, name: $name) { ${RESULT} } }`;
const DELETE = `mutation ($workspace: String!, $name: String!) { deleteJob(workspace: $workspace, name: $name) { ${RESULT} } }`;
const CREATE = `mutation ($workspace: String!, $provider: ExecutorProvider!, $container: ContainerSpecInput, $command: [String!]) {
  createJob(workspace: $workspace, input: {
    name: "job-1", source: "tests", spec: {},
    platformSpec: { steps: [{ name: "step-a", executor: { provider: $provider, container: $container, command: $command } }] }
  }) { ${RESULT} }
}`;
const ADD_MEMBER = `mutation ($workspace: String!, $principal: String!, $roles: [WorkspaceRole!]) {
  addWorkspaceMember(workspace: $workspace, input: { principal: $principal, roles: $roles }) {
    ${RESULT}
    ... on AddWorkspaceMemberSuccess { member { principal roles grantedBy } }
    ... on ValidationError { issues { path message } }
  }
}`;
const REPLACE_ROLES = `mutation ($workspace: String!, $principal: String!, $roles: [WorkspaceRole!]!) {
  replaceWorkspaceMemberRoles(workspace: $workspace, principal: $principal, roles: $roles) {
    ${RESULT}
    ... on ReplaceWorkspaceMemberRolesSuccess { member { principal roles } }
  }
}`;
const REMOVE_MEMBER = `mutation ($workspace: String!, $principal: String!) {
  removeWorkspaceMember(workspace: $workspace, principal: $principal) {
    ${RESULT}
    ... on RemoveWorkspaceMemberSuccess { member { principal roles } }
  }
}`;

type Caller = Role | 'outsider' | 'PlatformAdmin';
const CALLERS: Caller[] = [...WORKSPACE_ROLES, 'outsider', 'PlatformAdmin'];

/**
 * Who may do what, as a user of the workspace would see it. Each operation is chosen so an allowed
 * call changes nothing (a missing job, a name taken, a member already there): the answer shows
 * only whether the access check let it through.
 */
const TABLE: { operation: string; allowed: Caller[] }[] = [
  { operation: 'job', allowed: ['Viewer', 'Editor', 'Admin', 'PlatformAdmin'] },
  { operation: 'jobs', allowed: ['Viewer', 'Editor', 'Admin', 'PlatformAdmin'] },
  { operation: 'workspaceMembers', allowed: ['Viewer', 'Editor', 'Admin', 'PlatformAdmin'] },
  { operation: 'createJob', allowed: ['Editor', 'Admin', 'PlatformAdmin'] },
  { operation: 'createJob (subprocess)', allowed: ['PlatformAdmin'] },
  { operation: 'pauseJob', allowed: ['Editor', 'Admin', 'PlatformAdmin'] },
  { operation: 'resumeJob', allowed: ['Editor', 'Admin', 'PlatformAdmin'] },
  { operation: 'cancelJob', allowed: ['Editor', 'Admin', 'PlatformAdmin'] },
  { operation: 'deleteJob', allowed: ['Editor', 'Admin', 'PlatformAdmin'] },
  { operation: 'addWorkspaceMember', allowed: ['Admin', 'PlatformAdmin'] },
];

describe.each(databaseKinds)('GraphQL access control on $name', (kind) => {
  const access = useAccessGateway(kind);
  const { suite } = access;
  const emailOf = (caller: Caller) => (caller === 'PlatformAdmin' ? ROOT : memberEmail(caller));

  describe('a missing or bad token', () => {
    const badTokens: [string, () => Promise<string | undefined>][] = [
      ['missing', async () => undefined],
      ['malformed', async () => 'not-a-jwt'],
      ['expired', () => suite.issuer.mint({}, { expiresIn: -120 })],
      ['not yet valid', () => suite.issuer.mint({}, { notBefore: 3600 })],
      ['from another issuer', () => suite.issuer.mint({ iss: 'https://elsewhere.example.com' })],
      ['for another audience', () => suite.issuer.mint({ aud: 'another-service' })],
      ['signed with an unpublished key', () => suite.issuer.mint({}, { unpublishedKey: true })],
      ['unsigned', async () => suite.issuer.mintUnsigned()],
      ['naming no principal', () => suite.issuer.mint({ email: undefined, sub: undefined })],
    ];

    it.each(badTokens)('%s: UNAUTHENTICATED with HTTP 401 and no data', async (_, token) => {
      const res = await gqlAs(suite.base, await token(), JOBS_QUERY, { workspace: 'default' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    });

    it('a Basic header, or a mutation, is refused the same way', async () => {
      const basic = await fetch(`${suite.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Basic dXNlcjpwYXNz' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(basic.status).toBe(401);
      const mutation = await gqlAs(suite.base, undefined, PAUSE, { workspace: 'default', name: 'x' });
      expect(mutation.status).toBe(401);
      expect(mutation.body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('the role × operation table', () => {
    let workspace: string;
    beforeAll(async () => {
      workspace = await access.workspaceWithMembers();
    });
    const run = async (operation: string, caller: Caller) => {
      const token = await access.tokenFor(emailOf(caller));
      const vars = { workspace, name: 'job-1' };
      const missing = { workspace, name: 'no-such-job' };
      const container = { image: 'busybox' };
      switch (operation) {
        case 'job':
          return gqlAs(suite.base, token, JOB, vars);
        case 'jobs':
          return gqlAs(suite.base, token, JOBS_QUERY, { workspace });
        case 'workspaceMembers':
          return gqlAs(suite.base, token, MEMBERS, { workspace });
        case 'createJob':
          return gqlAs(suite.base, token, CREATE, { workspace, provider: 'CPU', container });
        case 'createJob (subprocess)':
          return gqlAs(suite.base, token, CREATE, { workspace, provider: 'SUBPROCESS', command: ['true'] });
        case 'pauseJob':
          return gqlAs(suite.base, token, PAUSE, missing);
        case 'resumeJob':
          return gqlAs(suite.base, token, RESUME, missing);
        case 'cancelJob':
          return gqlAs(suite.base, token, CANCEL, missing);
        case 'deleteJob':
          return gqlAs(suite.base, token, DELETE, missing);
        case 'addWorkspaceMember':
          return gqlAs(suite.base, token, ADD_MEMBER, {
            workspace,
            principal: memberEmail('Viewer'),
            roles: ['Viewer'],
          });
      }
      throw new Error(operation);
    };

    it('lets each role do exactly what its row allows', async () => {
      const seen: string[] = [];
      const expected: string[] = [];
      for (const { operation, allowed } of TABLE) {
        for (const caller of CALLERS) {
          const res = await run(operation, caller);
          expect(res.status, `${operation} as ${caller}: ${res.text}`).toBe(200);
          const field = Object.keys(res.body.data ?? {})[0];
          const value = field ? (res.body.data as Record<string, any>)[field] : null;
          const refusal = res.body.errors?.[0]?.extensions?.code;
          let outcome: string;
          if (
            operation.startsWith('createJob') ||
            operation.endsWith('Job') ||
            operation === 'addWorkspaceMember'
          ) {
            outcome = value?.__typename === 'NotAuthorizedError' ? 'refused' : 'allowed';
          } else {
            outcome = refusal === 'FORBIDDEN' && !value ? 'refused' : value ? 'allowed' : `odd ${res.text}`;
          }
          seen.push(`${operation} as ${caller}: ${outcome}`);
          expected.push(`${operation} as ${caller}: ${allowed.includes(caller) ? 'allowed' : 'refused'}`);
        }
      }
      expect(seen).toEqual(expected);
    });

    it('an allowed mutation reaches the job: the answers are the domain’s', async () => {
      const pause = await run('pauseJob', 'Editor');
      expect(pause.body.data.pauseJob.__typename).toBe('JobNotFoundError');
      const create = await run('createJob', 'Admin');
      expect(create.body.data.createJob).toMatchObject({ __typename: 'JobAlreadyExistsError' });
      const host = await run('createJob (subprocess)', 'PlatformAdmin');
      expect(host.body.data.createJob.__typename).toBe('JobAlreadyExistsError');
    });

    it('records who caused each change: JobStatusEvent.actor and the job’s created_by', async () => {
      const ws = await access.workspaceWithMembers('audit');
      const create = `mutation ($workspace: String!) {
        createJob(workspace: $workspace, input: {
          name: "audited", source: "tests", spec: {},
          platformSpec: { steps: [{ name: "step-a", executor: { provider: CPU, container: { image: "busybox" } } }] }
        }) { __typename ... on CreateJobSuccess { job { ownership } } }
      }`;
      const created = await gqlAs(suite.base, await access.tokenFor(memberEmail('Editor')), create, {
        workspace: ws,
      });
      expect(created.body.data.createJob.job.ownership).toMatchObject({ created_by: memberEmail('Editor') });
      await gqlAs(suite.base, await access.tokenFor(memberEmail('Admin')), PAUSE, {
        workspace: ws,
        name: 'audited',
      });
      const history = await gqlAs(
        suite.base,
        await access.tokenFor(memberEmail('Viewer')),
        `query ($workspace: String!) { job(workspace: $workspace, name: "audited") { events { nodes { status actor } } } }`,
        { workspace: ws },
      );
      expect(history.body.data.job.events.nodes).toEqual([
        { status: 'CREATED', actor: memberEmail('Editor') },
        { status: 'PAUSING', actor: memberEmail('Admin') },
      ]);
    });

    it('a refused mutation is a NotAuthorizedError saying who may not do what where', async () => {
      const res = await run('pauseJob', 'Viewer');
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.pauseJob).toEqual({
        __typename: 'NotAuthorizedError',
        message: `Principal '${memberEmail('Viewer')}' may not pause, resume or cancel jobs in workspace '${workspace}'.`,
        reason: 'ROLE',
      });
      const host = await run('createJob (subprocess)', 'Admin');
      expect(host.body.data.createJob.__typename).toBe('NotAuthorizedError');
      expect(host.body.data.createJob.message).toContain('subprocess steps');
    });

    it('a refused query says the same whether the job exists or not', async () => {
      for (const caller of ['outsider', 'JobRunner'] as const) {
        const token = await access.tokenFor(emailOf(caller));
        const existing = await gqlAs(suite.base, token, JOB, { workspace, name: 'job-1' });
        const missing = await gqlAs(suite.base, token, JOB, { workspace, name: 'never-created' });
        expect(existing.status).toBe(200);
        expect(existing.body).toEqual({ data: { job: null }, errors: [expect.anything()] });
        expect(existing.body.errors![0].extensions).toEqual({ code: 'FORBIDDEN' });
        expect(existing.body.errors![0].message).toBe(
          `Principal '${emailOf(caller)}' may not read jobs, their steps, status, logs or events in workspace '${workspace}'.`,
        );
        expect(missing.body).toEqual(existing.body);
      }
    });

    it('allowedActions lists only what the caller may do', async () => {
      const actionsOf = async (caller: Caller) => {
        const res = await gqlAs(suite.base, await access.tokenFor(emailOf(caller)), JOB, {
          workspace,
          name: 'job-1',
        });
        return res.body.data.job.allowedActions;
      };
      expect(await actionsOf('PlatformAdmin')).toEqual(['PAUSE', 'CANCEL']);
      expect(await actionsOf('Editor')).toEqual(['PAUSE', 'CANCEL']);
      expect(await actionsOf('Viewer')).toEqual([]);
    });
  });

  describe('token scopes narrow the roles', () => {
    it('a read-only token reads but gets NotAuthorizedError (reason SCOPE) for changes', async () => {
      const workspace = await access.workspaceWithMembers('scopes');
      const token = await access.tokenFor(memberEmail('Editor'), 'openid jobs:read');
      const read = await gqlAs(suite.base, token, JOB, { workspace, name: 'job-1' });
      expect(read.body.data.job).toEqual({ name: 'job-1', allowedActions: [] });
      const pause = await gqlAs(suite.base, token, PAUSE, { workspace, name: 'job-1' });
      expect(pause.body.data.pauseJob).toMatchObject({ __typename: 'NotAuthorizedError', reason: 'SCOPE' });
      expect(pause.body.data.pauseJob.message).toContain('jobs:write, platform:write');
    });

    it('a token with none of the scopes reads nothing', async () => {
      const token = await access.tokenFor(memberEmail('Editor'), 'openid profile');
      const res = await gqlAs(suite.base, token, JOBS_QUERY, { workspace: 'default' });
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors![0].extensions).toEqual({ code: 'FORBIDDEN' });
    });
  });

  describe('workspace members', () => {
    it('an Admin adds, lists, changes and removes members; grantedBy is the Admin', async () => {
      const workspace = await access.workspaceWithMembers('members');
      const admin = await access.tokenFor(memberEmail('Admin'));
      const added = await gqlAs(suite.base, admin, ADD_MEMBER, {
        workspace,
        principal: 'new@example.com',
        roles: ['JobRunner', 'Viewer'],
      });
      expect(added.body.data.addWorkspaceMember).toMatchObject({
        __typename: 'AddWorkspaceMemberSuccess',
        member: {
          principal: 'new@example.com',
          roles: ['Viewer', 'JobRunner'],
          grantedBy: memberEmail('Admin'),
        },
      });

      const viewer = await access.tokenFor(memberEmail('Viewer'));
      const listed = await gqlAs(suite.base, viewer, MEMBERS, { workspace });
      expect(listed.body.data.workspaceMembers.map((m: { principal: string }) => m.principal).sort()).toEqual(
        [...WORKSPACE_ROLES.map(memberEmail), 'new@example.com'].sort(),
      );

      const replaced = await gqlAs(suite.base, admin, REPLACE_ROLES, {
        workspace,
        principal: 'new@example.com',
        roles: ['Editor'],
      });
      expect(replaced.body.data.replaceWorkspaceMemberRoles.member).toEqual({
        principal: 'new@example.com',
        roles: ['Editor'],
      });
      // The new role works at once.
      const newToken = await access.tokenFor('new@example.com');
      const pause = await gqlAs(suite.base, newToken, PAUSE, { workspace, name: 'job-1' });
      expect(pause.body.data.pauseJob.__typename).toBe('PauseJobSuccess');

      const removed = await gqlAs(suite.base, admin, REMOVE_MEMBER, {
        workspace,
        principal: 'new@example.com',
      });
      expect(removed.body.data.removeWorkspaceMember.member).toEqual({
        principal: 'new@example.com',
        roles: ['Editor'],
      });
      const after = await gqlAs(suite.base, newToken, JOB, { workspace, name: 'job-1' });
      expect(after.body.errors![0].extensions).toEqual({ code: 'FORBIDDEN' });
    });

    it('answers typed errors: not a member, already a member, the last Admin, invalid input', async () => {
      const workspace = await access.workspaceWithMembers('members');
      const admin = await access.tokenFor(memberEmail('Admin'));
      const absent = await gqlAs(suite.base, admin, REMOVE_MEMBER, {
        workspace,
        principal: 'nobody@example.com',
      });
      expect(absent.body.data.removeWorkspaceMember).toEqual({
        __typename: 'MemberNotFoundError',
        message: `Principal 'nobody@example.com' is not a member of workspace '${workspace}'.`,
      });
      const twice = await gqlAs(suite.base, admin, ADD_MEMBER, {
        workspace,
        principal: memberEmail('Viewer'),
      });
      expect(twice.body.data.addWorkspaceMember.__typename).toBe('MemberAlreadyExistsError');
      const lastAdmin = await gqlAs(suite.base, admin, REPLACE_ROLES, {
        workspace,
        principal: memberEmail('Admin'),
        roles: ['Viewer'],
      });
      expect(lastAdmin.body.data.replaceWorkspaceMemberRoles.__typename).toBe('LastAdminError');
      const spaced = await gqlAs(suite.base, admin, ADD_MEMBER, {
        workspace,
        principal: 'a b',
        roles: ['Viewer'],
      });
      expect(spaced.body.data.addWorkspaceMember).toMatchObject({
        __typename: 'ValidationError',
        issues: [{ path: ['input', 'principal'] }],
      });
      const noRoles = await gqlAs(suite.base, admin, REPLACE_ROLES, {
        workspace,
        principal: memberEmail('Viewer'),
        roles: [],
      });
      expect(noRoles.body.data.replaceWorkspaceMemberRoles.__typename).toBe('ValidationError');
      // Nothing changed.
      const listed = await gqlAs(suite.base, admin, MEMBERS, { workspace });
      expect(listed.body.data.workspaceMembers).toHaveLength(WORKSPACE_ROLES.length);
    });

    it('an Editor may not change members, and an outsider may not list them', async () => {
      const workspace = await access.workspaceWithMembers('members');
      const editor = await access.tokenFor(memberEmail('Editor'));
      const removed = await gqlAs(suite.base, editor, REMOVE_MEMBER, {
        workspace,
        principal: memberEmail('Viewer'),
      });
      expect(removed.body.data.removeWorkspaceMember).toMatchObject({
        __typename: 'NotAuthorizedError',
        reason: 'ROLE',
      });
      const outsider = await access.tokenFor(memberEmail('outsider'));
      const listed = await gqlAs(suite.base, outsider, MEMBERS, { workspace });
      expect(listed.body.data ?? null).toBeNull();
      expect(listed.body.errors![0].extensions).toEqual({ code: 'FORBIDDEN' });
    });
  });

  describe('an identity provider that cannot be reached', () => {
    // A gateway of its own, whose issuer is down before it has fetched any key.
    const down = {} as { issuer: OidcIssuer; database: TestDatabase; gateway: RunningGateway; token: string };
    beforeAll(async () => {
      down.issuer = await startOidcIssuer();
      down.token = await down.issuer.mint({ email: ROOT });
      down.issuer.setAvailable(false);
      down.database = await kind.create();
      down.gateway = await startGateway({
        ...down.database.options,
        access: down.issuer.accessSettings(),
        executor: false,
      });
    });
    afterAll(async () => {
      await down.gateway?.close();
      await down.database?.drop();
      await down.issuer?.close();
    });

    it('SERVICE_UNAVAILABLE with HTTP 503, naming no address', async () => {
      const res = await gqlAs(down.gateway.url, down.token, JOBS_QUERY, { workspace: 'default' });
      expect(res.status).toBe(503);
      expect(res.body.errors![0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
      expect(res.body.errors![0].message).not.toContain('127.0.0.1');
    });

    it('graphql-ws closes the socket with 1013 (try again later)', async () => {
      const client = wsClient(down.gateway.url, {
        connectionParams: { Authorization: `Bearer ${down.token}` },
      });
      const sub = subscribe(client, '{ __typename }', {});
      await sub.until(() => sub.completed, 10_000);
      expect((sub.errors[0] as { code: number }).code).toBe(1013);
      await client.dispose();
    });
  });
});
