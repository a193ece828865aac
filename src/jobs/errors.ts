/** Domain errors: what can go wrong in the jobs domain, independent of the door it came through. */
import type { JobAction, JobStatus } from './lifecycle.js';

export class JobNotFoundError extends Error {
  constructor(
    readonly workspace: string,
    readonly jobName: string,
  ) {
    super(`Job '${jobName}' not found in workspace '${workspace}'.`);
  }
}

export class JobAlreadyExistsError extends Error {
  constructor(
    readonly workspace: string,
    readonly jobName: string,
  ) {
    super(`Job '${jobName}' already exists in workspace '${workspace}'.`);
  }
}

/** An action that the lifecycle forbids in the job's current status. */
export class JobStateConflictError extends Error {
  constructor(
    readonly action: JobAction,
    readonly jobName: string,
    readonly status: JobStatus,
    reason?: string,
  ) {
    super(`Cannot ${action} job '${jobName}': the job is ${status}${reason ? ` (${reason})` : ''}.`);
  }
}

/** A pause refused because of the job's current step, not its status: the sentence says why. */
export class PauseRefusedError extends JobStateConflictError {
  constructor(jobName: string, status: JobStatus, reason: string) {
    super('pause', jobName, status);
    this.message = `Cannot pause job '${jobName}': ${reason}.`;
  }
}

export class StepNotFoundError extends Error {
  constructor(
    readonly workspace: string,
    readonly jobName: string,
    readonly stepName: string,
  ) {
    super(`Step '${stepName}' not found in job '${jobName}' in workspace '${workspace}'.`);
  }
}

/** A step status update that the step transition table forbids. */
export class StepTransitionError extends Error {
  constructor(
    readonly jobName: string,
    readonly stepName: string,
    readonly from: JobStatus,
    readonly to: JobStatus,
    reason?: string,
  ) {
    super(
      `Cannot move step '${stepName}' of job '${jobName}' from ${from} to ${to}${reason ? `: ${reason}` : ''}.`,
    );
  }
}

/** A request that is well-formed but asks for something the gateway cannot run. */
export class InvalidJobSpecError extends Error {
  constructor(
    message: string,
    /** Where in the create request the problem is, e.g. ['platform_spec', 'steps', 0, 'executor']. */
    readonly path: (string | number)[],
  ) {
    super(message);
  }
}

export class TaskNotFoundError extends Error {
  constructor(jobName: string, stepName: string, taskName: string) {
    super(`Task '${taskName}' not found in step '${stepName}' of job '${jobName}'.`);
  }
}

export class ResultNotFoundError extends Error {
  constructor(jobName: string, resultName: string, what = 'Result') {
    super(`${what} '${resultName}' not found for job '${jobName}'.`);
  }
}

export class ResultAlreadyExistsError extends Error {
  constructor(jobName: string, resultName: string) {
    super(`Result '${resultName}' already exists for job '${jobName}'.`);
  }
}

/** An upload larger than the configured limit; nothing of it is kept. */
export class ResultTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The result is larger than ${limit} bytes (JOB_RESULT_MAX_BYTES).`);
  }
}
