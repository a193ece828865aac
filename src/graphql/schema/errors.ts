/** Typed errors of the mutation result unions, all behind `interface Error { message }`. */
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
