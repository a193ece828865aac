/** What a job's steps run as (`JobStep.tasks`) and what a job produced (`Job.results`), batched per request. */
import type { ResultRecord } from '../../jobs/results.js';
import type { JobStepTaskRow } from '../../jobs/tables.js';
import { resultDownloadPath } from '../../rest/serialize.js';
import { builder } from '../builder.js';
import { JobStatusEnum } from './enums.js';
import { JobRef, JobStepRef } from './job.js';

const JobStepTaskRef = builder.objectRef<JobStepTaskRow>('JobStepTask').implement({
  description:
    'A task a step runs as: a pod of a distributed step, or the one process (`process`) of a subprocess step, with its own status as whoever runs it reported it.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The task’s name, unique within its step.' }),
    status: t.field({
      type: JobStatusEnum,
      description: 'The task’s status as last reported; it informs, the step’s own status is what counts.',
      resolve: (task) => task.status,
    }),
    statusDetails: t.expose('statusDetails', {
      type: 'JSON',
      description: 'What was reported about the task’s status, free-form; `{}` when nothing.',
    }),
    errorDetails: t.expose('errorDetails', {
      type: 'JSON',
      nullable: true,
      description: 'Why the task failed, free-form; null when no failure was reported.',
    }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When the task was first reported (UTC).',
    }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      description: 'When the task was last reported (UTC).',
    }),
  }),
});

builder.objectField(JobStepRef, 'tasks', (t) =>
  t.loadableList({
    type: JobStepTaskRef,
    description: 'The step’s tasks, in the order they were first reported; empty until one is reported.',
    load: async (stepIds: string[], { tasks }) => {
      const byStep = await tasks.ofSteps(stepIds);
      return stepIds.map((id) => byStep.get(id) ?? []);
    },
    resolve: (step) => step.id,
  }),
);

const JobResultRef = builder.objectRef<ResultRecord>('JobResult').implement({
  description:
    'An artifact a job produced: a file the gateway stores (uploaded, or left by a subprocess step in its results directory), or a pointer to one stored elsewhere.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The result’s name, unique within its job.' }),
    artifactUrl: t.exposeString('artifactUrl', {
      description:
        'Where the artifact is, in the platform’s terms (`fileset://<workspace>/<fileset>/results/<name>` for a stored file).',
    }),
    size: t.exposeInt('size', {
      nullable: true,
      description: 'The stored file’s size in bytes; null for a result that points elsewhere.',
    }),
    contentType: t.exposeString('contentType', {
      nullable: true,
      description: 'The stored file’s media type; null for a result that points elsewhere.',
    }),
    downloadUrl: t.string({
      nullable: true,
      description:
        'The path on this gateway that streams the stored file (REST, with the same access as reading the job); null for a result that points elsewhere.',
      resolve: (result) => (result.file === null ? null : resultDownloadPath(result)),
    }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When the result was recorded (UTC).',
    }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      description: 'When the result was last replaced (UTC); a rerun step’s file replaces its earlier one.',
    }),
  }),
});

builder.objectField(JobRef, 'results', (t) =>
  t.loadableList({
    type: JobResultRef,
    description: 'The job’s results, newest first; empty until it has any.',
    load: async (jobIds: string[], { results }) => {
      const byJob = await results.ofJobs(jobIds);
      return jobIds.map((id) => byJob.get(id) ?? []);
    },
    resolve: (job) => job.id,
  }),
);
