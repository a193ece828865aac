import { JOB_ACTIONS, JOB_STATUSES, type JobAction, type JobStatus } from '../../jobs/lifecycle.js';
import { EXECUTOR_PROVIDERS } from '../../jobs/spec.js';
import { builder } from '../builder.js';

/** GraphQL enums are upper case; their values are the domain's lower-case names, each described. */
export const upperCased = <T extends string>(values: readonly T[], descriptions: Record<T, string>) =>
  Object.fromEntries(
    values.map((value) => [value.toUpperCase(), { value, description: descriptions[value] }]),
  ) as Record<string, { value: T; description: string }>;

const STATUS_DESCRIPTIONS: Record<JobStatus, string> = {
  created: 'Accepted; no step has been picked up yet.',
  pending: 'A step waits for an executor to start it (again, after a resume).',
  active: 'A step is running.',
  cancelled: 'Ended by a cancel (terminal).',
  cancelling: 'A cancel was asked for; the running step is being stopped.',
  error: 'A step failed (terminal); `errorDetails` says why.',
  completed: 'Every step completed (terminal).',
  paused: 'Stopped at a checkpoint, nothing running; RESUME starts it again.',
  pausing: 'A pause was asked for; the running step is saving its checkpoint.',
  resuming: 'A resume was asked for; the step will be pending again.',
};

export const JobStatusEnum = builder.enumType('JobStatus', {
  description:
    'Where a job (or step) is in its lifecycle. COMPLETED, ERROR and CANCELLED are terminal: nothing changes after them.',
  values: upperCased(JOB_STATUSES, STATUS_DESCRIPTIONS),
});

const ACTION_DESCRIPTIONS: Record<JobAction, string> = {
  pause: 'pauseJob: stop at a checkpoint (CREATED, PENDING or ACTIVE jobs).',
  resume: 'resumeJob: start a PAUSED job again.',
  cancel: 'cancelJob: end the job for good.',
  delete: 'deleteJob: remove a job that has ended (COMPLETED, ERROR or CANCELLED).',
};

export const JobActionEnum = builder.enumType('JobAction', {
  description: 'An action that would change the job now: neither a no-op nor a conflict.',
  values: upperCased(JOB_ACTIONS, ACTION_DESCRIPTIONS),
});

export const ExecutorProviderEnum = builder.enumType('ExecutorProvider', {
  description: 'What runs a step: a container on some kind of node, or a subprocess of the gateway.',
  values: upperCased(EXECUTOR_PROVIDERS, {
    cpu: 'A container on CPU nodes, run by an external controller.',
    gpu: 'A container on a GPU node, run by an external controller.',
    gpu_distributed: 'Containers on several GPU nodes (`resources.numNodes`), run by an external controller.',
    subprocess:
      'A command run by the gateway’s built-in executor on its own host; only the PlatformAdmin may create such steps.',
  }),
});
