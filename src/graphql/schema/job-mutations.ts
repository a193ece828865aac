/** createJob, pauseJob, resumeJob, cancelJob, deleteJob: each a union of success and typed errors. */
import {
  InvalidJobSpecError,
  JobAlreadyExistsError,
  JobNotFoundError,
  JobStateConflictError,
} from '../../jobs/errors.js';
import type { CreateJobRequest } from '../../jobs/spec.js';
import { builder } from '../builder.js';
import { InputValidationError } from '../input-validation.js';
import { JobRef } from './job.js';
import { CreateJobInput, createJobInputSchema } from './job-spec.js';

builder.mutationField('createJob', (t) =>
  t.field({
    type: JobRef,
    errors: {
      types: [JobAlreadyExistsError, InputValidationError],
      dataField: { name: 'job' },
    },
    args: {
      workspace: t.arg.string({ required: true, validate: { minLength: 1 } }),
      input: t.arg({
      type: CreateJobInput,
      required: true,
      // Typed as the GraphQL input, although it outputs the wire request; see the resolver.
      validate: { schema: createJobInputSchema as never },
    }),
    },
    resolve: async (_, { workspace, input }, { jobs }) => {
      try {
        // The zod plugin has replaced the GraphQL input with the validated wire-shaped request.
        return await jobs.create(workspace, input as unknown as CreateJobRequest);
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
      errors: { types: [JobNotFoundError, JobStateConflictError], dataField: { name: 'job' } },
      args: {
        workspace: t.arg.string({ required: true }),
        name: t.arg.string({ required: true }),
      },
      resolve: (_, { workspace, name }, { jobs }) => jobs[action](workspace, name),
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
    errors: { types: [JobNotFoundError, JobStateConflictError], dataField: { name: 'deletedJob' } },
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
