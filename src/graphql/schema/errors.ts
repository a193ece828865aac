/** Typed errors of the mutation result unions, all behind `interface Error { message }`. */
import {
  LastAdminError,
  MemberAlreadyExistsError,
  MemberNotFoundError,
  PermissionDeniedError,
} from '../../access/index.js';
import { JobAlreadyExistsError, JobNotFoundError, JobStateConflictError } from '../../jobs/errors.js';
import { builder } from '../builder.js';
import { InputValidationError, VALIDATION_ERROR_TYPE, type ValidationIssue } from '../input-validation.js';
import { JobStatusEnum } from './enums.js';

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description:
    'A typed error a mutation returns instead of its success: `... on Error { message }` shows any of them.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, in a sentence fit to show a user.' }),
  }),
});

const WORKSPACE_FIELD = { description: 'The workspace the request named.' };
const JOB_NAME_FIELD = { description: 'The job name the request named.' };
const PRINCIPAL_FIELD = { description: 'The principal the request named (an email, a subject, or `*`).' };

builder.objectType(JobNotFoundError, {
  name: 'JobNotFoundError',
  description: 'No job of that name in that workspace (it may have been deleted).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    workspace: t.exposeString('workspace', WORKSPACE_FIELD),
    name: t.exposeString('jobName', JOB_NAME_FIELD),
  }),
});

builder.objectType(JobAlreadyExistsError, {
  name: 'JobAlreadyExistsError',
  description: 'The workspace already has a job of that name; names are unique per workspace.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    workspace: t.exposeString('workspace', WORKSPACE_FIELD),
    name: t.exposeString('jobName', JOB_NAME_FIELD),
  }),
});

builder.objectType(JobStateConflictError, {
  name: 'JobStateConflictError',
  description: 'The action is not allowed in the job’s current status.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    name: t.exposeString('jobName', JOB_NAME_FIELD),
    status: t.expose('status', {
      type: JobStatusEnum,
      description: 'The job’s status, which does not allow the action (see `Job.allowedActions`).',
    }),
  }),
});

const ValidationIssueRef = builder.objectRef<ValidationIssue>('ValidationIssue').implement({
  description: 'One problem with one value of the input.',
  fields: (t) => ({
    path: t.exposeStringList('path', {
      description:
        'Where the value is in the input: argument, then field names and list indexes (e.g. `input`, `platformSpec`, `steps`, `0`, `name`).',
    }),
    message: t.exposeString('message', { description: 'What is wrong with it.' }),
  }),
});

builder.objectType(InputValidationError, {
  name: VALIDATION_ERROR_TYPE,
  description: 'The input was refused: every problem found is listed, and nothing was changed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    issues: t.field({
      type: [ValidationIssueRef],
      description: 'Each problem, at least one.',
      resolve: (e) => e.issues,
    }),
  }),
});

builder.objectType(PermissionDeniedError, {
  name: 'NotAuthorizedError',
  description:
    "The caller may not do this here: its roles in the workspace, or its token's scopes, do not allow it.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    reason: t.field({
      type: builder.enumType('NotAuthorizedReason', {
        description: 'Which check refused the caller.',
        values: {
          ROLE: { value: 'role', description: 'The principal’s roles in the workspace do not allow it.' },
          SCOPE: { value: 'scope', description: 'The token’s scopes do not allow it, whatever the roles.' },
        } as const,
      }),
      description: "Whether the principal's roles or the token's scopes refused it.",
      resolve: (error) => error.refusedBy,
    }),
  }),
});

builder.objectType(MemberNotFoundError, {
  name: 'MemberNotFoundError',
  description: 'The principal holds no role in the workspace.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    workspace: t.exposeString('workspace', WORKSPACE_FIELD),
    principal: t.exposeString('principal', PRINCIPAL_FIELD),
  }),
});

builder.objectType(MemberAlreadyExistsError, {
  name: 'MemberAlreadyExistsError',
  description: 'The principal is a member already: change its roles with `replaceWorkspaceMemberRoles`.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    workspace: t.exposeString('workspace', WORKSPACE_FIELD),
    principal: t.exposeString('principal', PRINCIPAL_FIELD),
  }),
});

builder.objectType(LastAdminError, {
  name: 'LastAdminError',
  description: 'A workspace that has an Admin keeps at least one, so someone can always manage its members.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    workspace: t.exposeString('workspace', WORKSPACE_FIELD),
    principal: t.exposeString('principal', PRINCIPAL_FIELD),
  }),
});
