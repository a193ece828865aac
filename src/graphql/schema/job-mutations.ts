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
import { JobRef, WORKSPACE_ARG } from './job.js';
import { CreateJobInput, createJobInputSchema, toCreateJobRequest } from './job-spec.js';

/** A mutation's result union and its success type, described. */
export const resultTypes = (union: string, success: string) => ({
  union: { description: union },
  result: { description: success },
});

builder.mutationField('createJob', (t) =>
  t.field({
    type: JobRef,
    description:
      'Creates a job in a workspace; it starts CREATED and an executor picks up its first step. Steps with the SUBPROCESS provider need the PlatformAdmin.',
    authScopes: (_, { workspace, input }) =>
      needs(workspace, ...operationsToCreate(input.platformSpec?.steps)),
    errors: {
      types: [JobAlreadyExistsError, InputValidationError, PermissionDeniedError],
      dataField: { name: 'job', description: 'The job as created (status CREATED).' },
      ...resultTypes(
        'The created job, or why not: the name is taken, the input is invalid (every issue listed), or the caller may not create it.',
        'The job was created.',
      ),
    },
    args: {
      workspace: t.arg.string({
        required: true,
        validate: { minLength: 1, maxLength: MAX_WORKSPACE_NAME_LENGTH },
        description: 'The workspace to create it in (created with the job when new).',
      }),
      input: t.arg({
        type: CreateJobInput,
        required: true,
        description: 'The job: checked as a whole, every problem reported in the ValidationError.',
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

/** What each status action asks for; a repeat of an action already under way is no conflict. */
const ACTION_DESCRIPTIONS = {
  pause:
    'Asks a CREATED, PENDING or ACTIVE job to pause: it becomes PAUSING, then PAUSED once its running step has saved a checkpoint. Pausing a PAUSING or PAUSED job changes nothing.',
  resume: 'Asks a PAUSED job to go on: RESUMING, then PENDING and ACTIVE again from its checkpoint.',
  cancel:
    'Ends a job for good: CANCELLING while its running step is stopped, then CANCELLED (a job nothing runs yet is CANCELLED at once).',
} as const;

for (const action of ['pause', 'resume', 'cancel'] as const) {
  builder.mutationField(`${action}Job`, (t) =>
    t.field({
      type: JobRef,
      description: ACTION_DESCRIPTIONS[action],
      authScopes: (_, { workspace }) => needs(workspace, 'jobs.control'),
      errors: {
        types: [JobNotFoundError, JobStateConflictError, PermissionDeniedError],
        dataField: {
          name: 'job',
          description: 'The job after the change (or as it was, when nothing changed).',
        },
        ...resultTypes(
          `The job after ${action}Job, or why not: no such job, its status does not allow it, or the caller may not.`,
          `The ${action} was accepted (or was already under way).`,
        ),
      },
      args: {
        workspace: t.arg.string({ required: true, description: WORKSPACE_ARG }),
        name: t.arg.string({ required: true, description: 'The job’s name.' }),
      },
      resolve: (_, { workspace, name }, { jobs, principal }) =>
        jobs[action](workspace, name, actorOf(principal)),
    }),
  );
}

const DeletedJobRef = builder.objectRef<{ workspace: string; name: string }>('DeletedJob').implement({
  description:
    'A job that was deleted: its name is free again; its status history stays for replaying watchers.',
  fields: (t) => ({
    workspace: t.exposeString('workspace', { description: 'The workspace it was in.' }),
    name: t.exposeString('name', { description: 'The name it had.' }),
  }),
});

builder.mutationField('deleteJob', (t) =>
  t.field({
    type: DeletedJobRef,
    description: 'Deletes a completed, failed or cancelled job.',
    authScopes: (_, { workspace }) => needs(workspace, 'jobs.delete'),
    errors: {
      types: [JobNotFoundError, JobStateConflictError, PermissionDeniedError],
      dataField: { name: 'deletedJob', description: 'Which job was deleted.' },
      ...resultTypes(
        'The deleted job, or why not: no such job, it has not ended yet, or the caller may not delete it.',
        'The job was deleted.',
      ),
    },
    args: {
      workspace: t.arg.string({ required: true, description: WORKSPACE_ARG }),
      name: t.arg.string({ required: true, description: 'The job’s name.' }),
    },
    resolve: async (_, { workspace, name }, { jobs }) => {
      await jobs.delete(workspace, name);
      return { workspace, name };
    },
  }),
);
