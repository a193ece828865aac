/**
 * The orphan sweep: ends the `subprocess` steps whose gateway process died while running them.
 * Their process is gone with it (or beyond anyone's reach), so they would look alive forever. Each
 * claimed step records its runner's lease; a lease nobody holds any more marks an orphan.
 */
import type { ProcessLease } from '../db/client.js';
import { JobNotFoundError, StepTransitionError } from '../jobs/errors.js';
import { STEP_STATUSES_WAITING_ON_RUNNER, orphanedStepEndsIn } from '../jobs/lifecycle.js';
import type { JobsService } from '../jobs/service.js';
import { SUBPROCESS_TASK, type JobTasks } from '../jobs/tasks.js';
import type { StepStatusUpdate } from '../jobs/spec.js';
import { log } from '../observability/request-context.js';
import { subprocessSteps } from './find-work.js';

/**
 * A running, pausing or resuming orphan fails; a cancelling one is cancelled, as asked. A paused
 * one stays paused until resumed or cancelled, and a later sweep settles it then. Steps this
 * process runs (`ownSteps`) are skipped whatever their lease says.
 */
export async function sweepOrphans(
  jobs: JobsService,
  tasks: JobTasks,
  lease: ProcessLease,
  ownSteps: { has(stepId: string): boolean },
  stop: AbortSignal,
): Promise<void> {
  if (stop.aborted) return;
  // One lookup per lease and sweep: many steps share a dead process's lease.
  const held = new Map<string, Promise<boolean>>();
  try {
    for await (const { step, job } of subprocessSteps(
      jobs,
      { status: STEP_STATUSES_WAITING_ON_RUNNER },
      stop,
    )) {
      const runnerLease = step.statusDetails.runner_lease;
      if (typeof runnerLease !== 'string' || ownSteps.has(step.id)) continue;
      if (!held.has(runnerLease)) held.set(runnerLease, lease.isHeld(runnerLease));
      if (await held.get(runnerLease)) continue;
      const end = orphanedStepEndsIn(step.status);
      const update: StepStatusUpdate =
        end === 'error'
          ? {
              status: 'error',
              error_details: {
                message: 'The gateway process running this step stopped unexpectedly; run the job again.',
              },
            }
          : { status: end };
      const settled = await jobs
        .updateStepStatus(job.workspace, job.name, step.name, update, { expected: [step.status] })
        .then(
          () => true,
          (error) => {
            // Another gateway settled it first, or the job is gone: either way, nothing to do.
            if (!(error instanceof StepTransitionError || error instanceof JobNotFoundError)) throw error;
            return false;
          },
        );
      // Its one task, the process that died, ends with it.
      if (settled) await tasks.record(step.id, SUBPROCESS_TASK, update).catch(() => {});
    }
  } catch (error) {
    log().error({ err: error }, 'Subprocess executor could not look for orphaned steps');
  }
}
