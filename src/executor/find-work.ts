/**
 * Finding work for the built-in executor: the `subprocess` steps that wait for an executor, page
 * by page, and what to do about each: start it, or settle an action asked of it before it started.
 */
import { JobNotFoundError, StepTransitionError } from '../jobs/errors.js';
import {
  STARTABLE_STEP_STATUSES,
  STEP_STATUSES_AWAITING_EXECUTOR,
  UNSTARTED_STEP_SETTLES_TO,
  type JobStatus,
} from '../jobs/lifecycle.js';
import type { StepWithJob } from '../jobs/repository.js';
import type { JobsService } from '../jobs/service.js';
import type { JobStepRow } from '../jobs/tables.js';

const PAGE = 100;

/** The `subprocess` steps in `status` (only jobs' current steps, with `current`), oldest job first. */
export async function* subprocessSteps(
  jobs: JobsService,
  query: { status: readonly JobStatus[]; current?: boolean },
  stop: AbortSignal,
): AsyncGenerator<StepWithJob> {
  for (let offset = 0; !stop.aborted; offset += PAGE) {
    const rows = await jobs.pageSteps({
      provider: 'subprocess',
      ...query,
      status: [...query.status],
      limit: PAGE,
      offset,
    });
    yield* rows;
    if (rows.length < PAGE) return;
  }
}

/** The jobs' current `subprocess` steps that wait for an executor. */
export const stepsAwaitingExecutor = (jobs: JobsService, stop: AbortSignal) =>
  subprocessSteps(jobs, { status: STEP_STATUSES_AWAITING_EXECUTOR, current: true }, stop);

/** What an executor does about a step waiting for one. */
export type Work = { kind: 'start' } | { kind: 'settle'; to: JobStatus };

/**
 * Start a startable step; settle an action asked of a step that has no process (never started, or
 * paused by checkpoint: no runner lease in its details); nothing for a step whose runner is acting
 * on it.
 */
export function workOn(step: JobStepRow): Work | undefined {
  if (STARTABLE_STEP_STATUSES.includes(step.status)) return { kind: 'start' };
  if (typeof step.statusDetails.runner_lease === 'string') return undefined;
  const to = UNSTARTED_STEP_SETTLES_TO[step.status];
  return to && { kind: 'settle', to };
}

/** Settles an action on a step with no process: there is nothing to stop; a resume starts it again. */
export async function settleUnstarted(
  jobs: JobsService,
  { step, job }: StepWithJob,
  to: JobStatus,
): Promise<void> {
  try {
    await jobs.updateStepStatus(
      job.workspace,
      job.name,
      step.name,
      { status: to },
      { expected: [step.status] },
    );
  } catch (error) {
    // Another executor settled it first, or the job is gone: either way, nothing to do.
    if (!(error instanceof StepTransitionError || error instanceof JobNotFoundError)) throw error;
  }
}
