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
  fields: (t) => ({ message: t.exposeString('message') }),
});

builder.objectType(JobNotFoundError, {
  name: 'JobNotFoundError',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    workspace: t.exposeString('workspace'),
    name: t.exposeString('jobName'),
  }),
});

builder.objectType(JobAlreadyExistsError, {
  name: 'JobAlreadyExistsError',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    workspace: t.exposeString('workspace'),
    name: t.exposeString('jobName'),
  }),
});

builder.objectType(JobStateConflictError, {
  name: 'JobStateConflictError',
  description: 'The action is not allowed in the job’s current status.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    name: t.exposeString('jobName'),
    status: t.expose('status', { type: JobStatusEnum }),
  }),
});

const ValidationIssueRef = builder.objectRef<ValidationIssue>('ValidationIssue').implement({
  fields: (t) => ({
    path: t.exposeStringList('path'),
    message: t.exposeString('message'),
  }),
});

builder.objectType(InputValidationError, {
  name: VALIDATION_ERROR_TYPE,
  interfaces: [ErrorInterface],
  fields: (t) => ({
    issues: t.field({ type: [ValidationIssueRef], resolve: (e) => e.issues }),
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
        values: { ROLE: { value: 'role' }, SCOPE: { value: 'scope' } } as const,
      }),
      description: "Whether the principal's roles or the token's scopes refused it.",
      resolve: (error) => error.refusedBy,
    }),
  }),
});

builder.objectType(MemberNotFoundError, {
  name: 'MemberNotFoundError',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    workspace: t.exposeString('workspace'),
    principal: t.exposeString('principal'),
  }),
});

builder.objectType(MemberAlreadyExistsError, {
  name: 'MemberAlreadyExistsError',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    workspace: t.exposeString('workspace'),
    principal: t.exposeString('principal'),
  }),
});

builder.objectType(LastAdminError, {
  name: 'LastAdminError',
  description: 'A workspace that has an Admin keeps at least one, so someone can always manage its members.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    workspace: t.exposeString('workspace'),
    principal: t.exposeString('principal'),
  }),
});
