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
import { WORKSPACE_ARG } from './job.js';
import { resultTypes } from './job-mutations.js';

const ROLE_DESCRIPTIONS: Record<(typeof WORKSPACE_ROLES)[number], string> = {
  Viewer: 'Lists and reads jobs, their steps, status, logs and events, and the members.',
  Editor: 'What a Viewer may, and creates, pauses, resumes, cancels and deletes jobs.',
  Admin: 'What an Editor may, and adds, changes and removes members.',
  JobRunner: 'Reports step status in the workspace, nothing else (an executor’s identity).',
};

const WorkspaceRoleEnum = builder.enumType('WorkspaceRole', {
  description:
    'Viewer reads jobs; Editor also creates and controls them; Admin also manages members; JobRunner reports step status and logs.',
  values: Object.fromEntries(
    WORKSPACE_ROLES.map((role) => [role, { value: role, description: ROLE_DESCRIPTIONS[role] }]),
  ) as Record<
    (typeof WORKSPACE_ROLES)[number],
    { value: (typeof WORKSPACE_ROLES)[number]; description: string }
  >,
});

const WorkspaceMemberRef = builder.objectRef<WorkspaceMember>('WorkspaceMember').implement({
  description: 'A principal and the roles it holds in a workspace.',
  fields: (t) => ({
    principal: t.exposeString('principal', {
      description: 'An email, a subject, or `*` for every authenticated principal.',
    }),
    roles: t.expose('roles', {
      type: [WorkspaceRoleEnum],
      description: 'Its roles here, at least one; the highest counts.',
    }),
    grantedAt: t.expose('grantedAt', {
      type: 'DateTime',
      description: 'When its earliest role still held was granted.',
    }),
    grantedBy: t.exposeString('grantedBy', {
      description: 'The principal that granted its earliest role still held.',
    }),
  }),
});

const WorkspaceMemberInput = builder.inputType('WorkspaceMemberInput', {
  description: 'A new member and its roles.',
  fields: (t) => ({
    principal: t.string({
      required: true,
      description: 'An email, a subject, or `*` for every authenticated principal.',
    }),
    roles: t.field({ type: [WorkspaceRoleEnum], description: 'Editor when not given.' }),
  }),
});

builder.queryField('workspaceMembers', (t) =>
  t.field({
    type: [WorkspaceMemberRef],
    description: "The workspace's members and their roles.",
    args: { workspace: t.arg.string({ required: true, description: WORKSPACE_ARG }) },
    authScopes: (_, { workspace }) => needs(workspace, 'members.read'),
    resolve: (_, { workspace }, { access }) => access.members.list(workspace),
  }),
);

builder.mutationField('addWorkspaceMember', (t) =>
  t.field({
    type: WorkspaceMemberRef,
    description: 'Gives a principal roles in a workspace (Admin or PlatformAdmin); it applies at once.',
    errors: {
      types: [MemberAlreadyExistsError, InputValidationError, PermissionDeniedError],
      dataField: { name: 'member', description: 'The member as added.' },
      ...resultTypes(
        'The new member, or why not: it is one already, the input is invalid, or the caller may not manage members.',
        'The member was added.',
      ),
    },
    args: {
      workspace: t.arg.string({
        required: true,
        validate: { maxLength: MAX_WORKSPACE_NAME_LENGTH },
        description: WORKSPACE_ARG,
      }),
      input: t.arg({
        description: 'Who, and which roles.',
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
      dataField: { name: 'member', description: 'The member with its new roles.' },
      ...resultTypes(
        'The member with its new roles, or why not: no such member, it would leave no Admin, the roles are invalid, or the caller may not.',
        'The roles were replaced.',
      ),
    },
    args: {
      workspace: t.arg.string({
        required: true,
        validate: { maxLength: MAX_WORKSPACE_NAME_LENGTH },
        description: WORKSPACE_ARG,
      }),
      principal: t.arg.string({
        required: true,
        description: 'The member, as `WorkspaceMember.principal` names it.',
      }),
      roles: t.arg({
        description: 'Every role it is to hold, at least one.',
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
      dataField: { name: 'member', description: 'The member as it was, with the roles it held.' },
      ...resultTypes(
        'The removed member, or why not: no such member, it is the last Admin, or the caller may not.',
        'The member was removed.',
      ),
    },
    args: {
      workspace: t.arg.string({ required: true, description: WORKSPACE_ARG }),
      principal: t.arg.string({
        required: true,
        description: 'The member, as `WorkspaceMember.principal` names it.',
      }),
    },
    authScopes: (_, { workspace }) => needs(workspace, 'members.write'),
    resolve: (_, { workspace, principal: member }, { access }) => access.members.remove(workspace, member),
  }),
);
