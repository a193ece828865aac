/**
 * createJob, pauseJob, resumeJob, cancelJob, deleteJob: each a union of success and typed errors,
 * `NotAuthorizedError` among them when the caller may not do it in that workspace.
 */
import { actorOf, operationsToCreate, PermissionDeniedError } from '../../access/index.js';
import {
  InvalidJobSpecError,
  JobAlreadyExistsError,
  JobNotFoundError,
  JobStateConflictError,
} from '../../jobs/errors.js';
import { MAX_WORKSPACE_NAME_LENGTH } from '../../support/request-limits.js';
import { needs } from '../auth-scopes.js';
import { builder } from '../builder.js';
import { InputValidationError } from '../input-validation.js';
import { JobRef } from './job.js';
import { CreateJobInput, createJobInputSchema, toCreateJobRequest } from './job-spec.js';

builder.mutationField('createJob', (t) =>
  t.field({
    type: JobRef,
    authScopes: (_, { workspace, input }) =>
      needs(workspace, ...operationsToCreate(input.platformSpec?.steps)),
    errors: {
      types: [JobAlreadyExistsError, InputValidationError, PermissionDeniedError],
      dataField: { name: 'job' },
    },
    args: {
      workspace: t.arg.string({
        required: true,
        validate: { minLength: 1, maxLength: MAX_WORKSPACE_NAME_LENGTH },
      }),
      input: t.arg({
        type: CreateJobInput,
        required: true,
        validate: { schema: createJobInputSchema },
      }),
    },
    resolve: async (_, { workspace, input }, { jobs, principal }) => {
      try {
        return await jobs.create(workspace, toCreateJobRequest(input), actorOf(principal));
      } catch (error) {
        if (error instanceof InvalidJobSpecError) throw InputValidationError.fromSpec(error, 'input');
        throw error;
      }
    },
  }),
);

for (const action of ['pause', 'resume', 'cancel'] as const) {
  builder.mutationField(`${action}Job`, (t) =>
    t.field({
      type: JobRef,
      authScopes: (_, { workspace }) => needs(workspace, 'jobs.control'),
      errors: {
        types: [JobNotFoundError, JobStateConflictError, PermissionDeniedError],
        dataField: { name: 'job' },
      },
      args: {
        workspace: t.arg.string({ required: true }),
        name: t.arg.string({ required: true }),
      },
      resolve: (_, { workspace, name }, { jobs, principal }) =>
        jobs[action](workspace, name, actorOf(principal)),
    }),
  );
}

const DeletedJobRef = builder.objectRef<{ workspace: string; name: string }>('DeletedJob').implement({
  fields: (t) => ({ workspace: t.exposeString('workspace'), name: t.exposeString('name') }),
});

builder.mutationField('deleteJob', (t) =>
  t.field({
    type: DeletedJobRef,
    description: 'Deletes a completed, failed or cancelled job.',
    authScopes: (_, { workspace }) => needs(workspace, 'jobs.delete'),
    errors: {
      types: [JobNotFoundError, JobStateConflictError, PermissionDeniedError],
      dataField: { name: 'deletedJob' },
    },
    args: {
      workspace: t.arg.string({ required: true }),
      name: t.arg.string({ required: true }),
    },
    resolve: async (_, { workspace, name }, { jobs }) => {
      await jobs.delete(workspace, name);
      return { workspace, name };
    },
  }),
);
