/**
 * Workspace members: who holds which roles in a workspace. Any member may list them; changing
 * them takes an Admin (or the PlatformAdmin). The rules and their errors are the access model's.
 */
import {
  LastAdminError,
  MemberAlreadyExistsError,
  MemberNotFoundError,
  PermissionDeniedError,
  WORKSPACE_ROLES,
  workspaceMemberInput,
  workspaceMemberUpdate,
  type WorkspaceMember,
} from '../../access/index.js';
import { MAX_WORKSPACE_NAME_LENGTH } from '../../support/request-limits.js';
import { needs } from '../auth-scopes.js';
import { builder } from '../builder.js';
import { InputValidationError } from '../input-validation.js';

const WorkspaceRoleEnum = builder.enumType('WorkspaceRole', {
  description:
    'Viewer reads jobs; Editor also creates and controls them; Admin also manages members; JobRunner reports step status and logs.',
  values: Object.fromEntries(WORKSPACE_ROLES.map((role) => [role, { value: role }])) as Record<
    (typeof WORKSPACE_ROLES)[number],
    { value: (typeof WORKSPACE_ROLES)[number] }
  >,
});

const WorkspaceMemberRef = builder.objectRef<WorkspaceMember>('WorkspaceMember').implement({
  fields: (t) => ({
    principal: t.exposeString('principal', {
      description: 'An email, a subject, or `*` for every authenticated principal.',
    }),
    roles: t.expose('roles', { type: [WorkspaceRoleEnum] }),
    grantedAt: t.expose('grantedAt', {
      type: 'DateTime',
      description: 'When its earliest role still held was granted.',
    }),
    grantedBy: t.exposeString('grantedBy'),
  }),
});

const WorkspaceMemberInput = builder.inputType('WorkspaceMemberInput', {
  fields: (t) => ({
    principal: t.string({ required: true }),
    roles: t.field({ type: [WorkspaceRoleEnum], description: 'Editor when not given.' }),
  }),
});

builder.queryField('workspaceMembers', (t) =>
  t.field({
    type: [WorkspaceMemberRef],
    description: "The workspace's members and their roles.",
    args: { workspace: t.arg.string({ required: true }) },
    authScopes: (_, { workspace }) => needs(workspace, 'members.read'),
    resolve: (_, { workspace }, { access }) => access.members.list(workspace),
  }),
);

builder.mutationField('addWorkspaceMember', (t) =>
  t.field({
    type: WorkspaceMemberRef,
    errors: {
      types: [MemberAlreadyExistsError, InputValidationError, PermissionDeniedError],
      dataField: { name: 'member' },
    },
    args: {
      workspace: t.arg.string({ required: true, validate: { maxLength: MAX_WORKSPACE_NAME_LENGTH } }),
      input: t.arg({
        type: WorkspaceMemberInput,
        required: true,
        validate: { schema: workspaceMemberInput },
      }),
    },
    authScopes: (_, { workspace }) => needs(workspace, 'members.write'),
    resolve: (_, { workspace, input }, { access, principal }) =>
      access.members.add(
        workspace,
        { principal: input.principal, roles: input.roles ?? undefined },
        principal.id,
      ),
  }),
);

builder.mutationField('replaceWorkspaceMemberRoles', (t) =>
  t.field({
    type: WorkspaceMemberRef,
    description: 'Replaces a member’s roles: roles it keeps keep their grant, new ones are granted now.',
    errors: {
      types: [MemberNotFoundError, LastAdminError, InputValidationError, PermissionDeniedError],
      dataField: { name: 'member' },
    },
    args: {
      workspace: t.arg.string({ required: true, validate: { maxLength: MAX_WORKSPACE_NAME_LENGTH } }),
      principal: t.arg.string({ required: true }),
      roles: t.arg({
        type: [WorkspaceRoleEnum],
        required: true,
        validate: { schema: workspaceMemberUpdate.shape.roles },
      }),
    },
    authScopes: (_, { workspace }) => needs(workspace, 'members.write'),
    resolve: (_, { workspace, principal: member, roles }, { access, principal }) =>
      access.members.replaceRoles(workspace, member, roles, principal.id),
  }),
);

builder.mutationField('removeWorkspaceMember', (t) =>
  t.field({
    type: WorkspaceMemberRef,
    description: 'Takes every role of a member away; the result is what it held.',
    errors: {
      types: [MemberNotFoundError, LastAdminError, PermissionDeniedError],
      dataField: { name: 'member' },
    },
    args: {
      workspace: t.arg.string({ required: true }),
      principal: t.arg.string({ required: true }),
    },
    authScopes: (_, { workspace }) => needs(workspace, 'members.write'),
    resolve: (_, { workspace, principal: member }, { access }) => access.members.remove(workspace, member),
  }),
);
