/**
 * The platform's workspace members API, `/apis/entities/v2/workspaces/{workspace}/members`: who
 * holds which roles in a workspace. Listing needs `members.read` (any member), changes
 * `members.write` (an Admin of the workspace, or a PlatformAdmin).
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  workspaceMemberInput,
  workspaceMemberUpdate,
  type AccessControl,
  type WorkspaceMember,
} from '../access/index.js';
import type { AccessEnv } from './access.js';
import {
  answer,
  apiOperations,
  bodyErrors,
  conflict,
  jsonBody,
  notFound,
  ok,
  operationsRouter,
  workspacePath,
} from './operations.js';
import {
  deleteResponse,
  workspaceMember,
  workspaceMemberList,
  type WorkspaceMemberResponse,
} from './schemas.js';

export const ENTITIES_API_ROOT = '/apis/entities/v2';

const operation = apiOperations(ENTITIES_API_ROOT, 'members');

const memberPath = workspacePath.extend({
  principal_id: z.string().describe('The member’s principal: an email, a subject, or `*`'),
});

const lastAdmin = conflict('The workspace’s last Admin would lose the role; add another Admin first');

const listMembers = createRoute({
  ...operation(
    'get',
    '/workspaces/{workspace}/members',
    'List Workspace Members',
    'List the members of a workspace with their roles.',
    'members.read',
  ),
  request: { params: workspacePath },
  responses: ok(workspaceMemberList),
});

const addMemberBody = jsonBody(workspaceMemberInput);
const addMember = createRoute({
  ...operation(
    'post',
    '/workspaces/{workspace}/members',
    'Add Workspace Member',
    'Add a principal that is not yet a member of the workspace, with its roles (`Editor` when none are given).',
    'members.write',
    addMemberBody,
  ),
  request: { params: workspacePath, body: addMemberBody.body },
  responses: {
    ...answer(201, 'Successful Response', workspaceMember),
    ...conflict('The principal is already a member; replace its roles instead'),
    ...bodyErrors(),
  },
});

const updateMemberBody = jsonBody(workspaceMemberUpdate);
const updateMember = createRoute({
  ...operation(
    'put',
    '/workspaces/{workspace}/members/{principal_id}',
    { summary: 'Update Workspace Member Roles', handler: 'update_workspace_member' },
    'Replace the roles of a member: roles it keeps keep their grant, new ones are granted now.',
    'members.write',
    updateMemberBody,
  ),
  request: { params: memberPath, body: updateMemberBody.body },
  responses: { ...ok(workspaceMember), ...notFound('Member'), ...lastAdmin, ...bodyErrors() },
});

const removeMember = createRoute({
  ...operation(
    'delete',
    '/workspaces/{workspace}/members/{principal_id}',
    'Remove Workspace Member',
    'Remove a member from the workspace, taking every role it holds there away.',
    'members.write',
  ),
  request: { params: memberPath },
  responses: { ...ok(deleteResponse), ...notFound('Member'), ...lastAdmin },
});

const memberResponse = (member: WorkspaceMember): WorkspaceMemberResponse => ({
  principal: member.principal,
  roles: member.roles,
  granted_at: member.grantedAt.toISOString(),
  granted_by: member.grantedBy,
});

export function memberRoutes(access: AccessControl): OpenAPIHono<AccessEnv> {
  const app = operationsRouter();
  const members = access.members;

  app.openapi(listMembers, async (c) => {
    const list = await members.list(c.req.valid('param').workspace);
    return c.json({ data: list.map(memberResponse) }, 200);
  });

  app.openapi(addMember, async (c) => {
    const { workspace } = c.req.valid('param');
    const member = await members.add(workspace, c.var.body, c.var.caller.principal.id);
    return c.json(memberResponse(member), 201);
  });

  app.openapi(updateMember, async (c) => {
    const { workspace, principal_id } = c.req.valid('param');
    const { roles } = c.var.body;
    const member = await members.replaceRoles(workspace, principal_id, roles, c.var.caller.principal.id);
    return c.json(memberResponse(member), 200);
  });

  app.openapi(removeMember, async (c) => {
    const { workspace, principal_id } = c.req.valid('param');
    await members.remove(workspace, principal_id);
    const removed = { message: 'Member removed.', id: principal_id, deleted_at: new Date().toISOString() };
    return c.json(removed, 200);
  });

  return app;
}
