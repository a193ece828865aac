/**
 * GraphQL with access control on: a gateway that trusts a real test issuer, GraphQL calls with a
 * bearer token, and workspaces whose members hold each role.
 */
import { afterAll, beforeAll } from 'vitest';
import type { DatabaseKind, TestDatabase } from './databases.js';
import { uniqueWorkspace } from './fixtures.js';
import { http, startGateway, type RunningGateway } from './gateway.js';
import { startOidcIssuer, type OidcIssuer } from './oidc-issuer.js';

/** The PlatformAdmin of every gateway started here. */
export const ROOT = 'root@example.com';
export const WORKSPACE_ROLES = ['Viewer', 'Editor', 'Admin', 'JobRunner'] as const;
export type Role = (typeof WORKSPACE_ROLES)[number];

/** A GraphQL operation over HTTP POST, with `Authorization: Bearer <token>` when a token is given. */
export async function gqlAs<T = any>(
  base: string,
  token: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return http<{ data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] }>(
    base,
    'POST',
    '/graphql',
    { query, variables },
    headers,
  );
}

/** The email of the member holding `role` in the fixture workspaces. */
export const memberEmail = (role: Role | 'outsider') => `${role.toLowerCase()}@example.com`;

const ADD_MEMBER = /* GraphQL */ `
  mutation ($workspace: String!, $principal: String!, $roles: [WorkspaceRole!]) {
    addWorkspaceMember(workspace: $workspace, input: { principal: $principal, roles: $roles }) {
      __typename
      ... on Error {
        message
      }
    }
  }
`;
const CREATE_JOB = /* GraphQL */ `
  mutation ($workspace: String!, $name: String!) {
    createJob(
      workspace: $workspace
      input: {
        name: $name
        source: "tests"
        spec: {}
        platformSpec: {
          steps: [{ name: "step-a", executor: { provider: CPU, container: { image: "busybox" } } }]
        }
      }
    ) {
      __typename
      ... on Error {
        message
      }
    }
  }
`;

/**
 * An auth-enabled gateway over a fresh database of `kind` for the enclosing describe block, with
 * its issuer, a token per principal, and helpers acting as the PlatformAdmin.
 */
export function useAccessGateway(kind: DatabaseKind) {
  const suite = {} as {
    issuer: OidcIssuer;
    database: TestDatabase;
    server: RunningGateway;
    base: string;
  };
  beforeAll(async () => {
    suite.issuer = await startOidcIssuer();
    suite.database = await kind.create();
    suite.server = await startGateway({
      ...suite.database.options,
      access: suite.issuer.accessSettings({ adminEmail: ROOT }),
      executor: false,
    });
    suite.base = suite.server.url;
  });
  afterAll(async () => {
    await suite.server?.close();
    await suite.database?.drop();
    await suite.issuer?.close();
  });

  const tokenFor = (email: string, scope?: string, expiresIn?: number) =>
    suite.issuer.mint({ email, sub: `sub-${email}`, ...(scope ? { scope } : {}) }, { expiresIn });

  const asRoot = async (query: string, variables?: Record<string, unknown>) => {
    const res = await gqlAs(suite.base, await tokenFor(ROOT), query, variables);
    if (res.status !== 200 || res.body.errors) throw new Error(`as root: ${res.text}`);
    return res.body.data;
  };

  return {
    suite,
    tokenFor,
    asRoot,
    /** Adds `principal` with `roles` to `workspace`, as the PlatformAdmin. */
    async addMember(workspace: string, principal: string, roles: Role[]) {
      const data = await asRoot(ADD_MEMBER, { workspace, principal, roles });
      if (data.addWorkspaceMember.__typename !== 'AddWorkspaceMemberSuccess') {
        throw new Error(JSON.stringify(data));
      }
    },
    /** Creates a one-step container job, as the PlatformAdmin. */
    async createJob(workspace: string, name: string) {
      const data = await asRoot(CREATE_JOB, { workspace, name });
      if (data.createJob.__typename !== 'CreateJobSuccess') throw new Error(JSON.stringify(data));
    },
    /** A new workspace with one member per role (emails from `memberEmail`) and one job, `job-1`. */
    async workspaceWithMembers(prefix = 'acl') {
      const workspace = uniqueWorkspace(prefix);
      for (const role of WORKSPACE_ROLES) await this.addMember(workspace, memberEmail(role), [role]);
      await this.createJob(workspace, 'job-1');
      return workspace;
    },
  };
}
