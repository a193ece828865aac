/**
 * Status reconciliation for one step this executor claimed: it claims the step, runs its process
 * with the workload's files and variables, keeps the process in line with the step's status (pause
 * by checkpoint, cancel, ended elsewhere, staleness) and reports how it ended. Every status change of a run happens on one chain, one after the other.
 */
import { JobNotFoundError, StepTransitionError } from '../jobs/errors.js';
import {
  CHECKPOINTED_EXIT_CODE,
  STARTABLE_STEP_STATUSES,
  movesToEnd,
  pauseDeadlineSeconds,
  type JobStatus,
} from '../jobs/lifecycle.js';
import type { JobResults } from '../jobs/results.js';
import type { JobsService } from '../jobs/service.js';
import { SUBPROCESS_TASK, type TaskReport } from '../jobs/tasks.js';
import type { JobTasks } from '../jobs/tasks.js';
import type { StepStatusUpdate } from '../jobs/spec.js';
import type { JobStepRow } from '../jobs/tables.js';
import { log } from '../observability/request-context.js';
import type { JobStorage, RunFiles } from './job-storage.js';
import { StepLog, type StepLogOptions } from './step-log.js';
import { StepProcess, stepEnvironment, type ProcessExit } from './step-process.js';

/** What a run needs from the executor that started it. */
export interface StepRunContext {
  jobs: JobsService;
  /** Recorded in the status details of a claimed step: who runs it, under which process lease. */
  runner: string;
  leaseId: string;
  /** Aborted when the executor stops. */
  shutdown: AbortSignal;
  /** A claim was lost or failed: the executor should look for work again. */
  onClaimMissed(): void;
  killGraceMs: number;
  log: StepLogOptions;
  /** Where workloads keep their files. */
  storage: JobStorage;
  /** Where a run records its task, and turns the files it left into results. */
  tasks: JobTasks;
  results: JobResults;
}

export class StepRun {
  readonly process: StepProcess;
  /** Every status change of this run happens on this chain, one after the other. */
  private chain: Promise<void> = Promise.resolve();
  /** A reconcile is waiting on the chain: another would only repeat it. */
  private reconcileQueued = false;

  constructor(
    readonly step: JobStepRow,
    readonly workspace: string,
    readonly jobName: string,
    private readonly context: StepRunContext,
  ) {
    const log = new StepLog(context.jobs, step.jobId, step.name, context.log);
    this.process = new StepProcess(log, context.killGraceMs);
  }

  /** Claims the waiting step and runs its command to the end. */
  async run(): Promise<void> {
    try {
      const environment = stepEnvironment(this.step.environment);
      // A step that cannot start fails in the claim itself, so only one executor reports it.
      const claimed = await this.claim(
        'missing' in environment
          ? {
              status: 'error',
              error_details: {
                message: `Secret '${environment.missing.secret}' (for environment variable '${environment.missing.variable}') is not set in the gateway's environment.`,
                secret: environment.missing.secret,
              },
            }
          : {
              status: 'active',
              status_details: { runner: this.context.runner, runner_lease: this.context.leaseId },
            },
      );
      if (!claimed || 'missing' in environment) return;
      if (this.step.executor.provider !== 'subprocess') throw new Error('not a subprocess step');
      const command = this.step.executor.command;
      let files: RunFiles | undefined;
      let env: Record<string, string>;
      try {
        files = await this.context.storage.prepareRun(this.step.jobId, this.step.name, this.step.config);
        env = { ...environment.env, ...(await this.workloadEnvironment(files)) };
      } catch (error) {
        await files?.remove().catch(() => {});
        const message = error instanceof Error ? error.message : String(error);
        await this.enqueue(() =>
          this.finish({
            status: 'error',
            error_details: { message: `Could not prepare the step's files: ${message}` },
          }),
        );
        return;
      }
      // Checked after the last await before spawning: a stop that came meanwhile found no process to end.
      if (this.context.shutdown.aborted) {
        await files.remove().catch(() => {});
        await this.enqueue(() =>
          this.finish({
            status: 'error',
            error_details: { message: 'gateway stopped before the step started' },
          }),
        );
        return;
      }
      const watch = this.watchStaleness();
      let exit: ProcessExit;
      await this.recordTask({ status: 'active', status_details: { runner: this.context.runner } });
      try {
        exit = await this.process.run(command, env);
      } finally {
        clearInterval(watch);
        // Results are stored, and the run's own files gone, before its end is reported: whoever
        // sees the end sees the results.
        await this.collectResults(files.results);
        await files
          .remove()
          .catch((error: unknown) =>
            log().error({ err: error }, 'Subprocess executor: could not remove a run’s files'),
          );
      }
      await this.enqueue(() => this.finish(this.report(exit)));
    } finally {
      this.process.dispose();
    }
  }

  /**
   * A `subprocess` step runs as one task, its process (named `process`): recorded when it starts and
   * when it ends, with the step's report. A failure to record is logged; the step goes on.
   */
  private async recordTask(report: TaskReport): Promise<void> {
    try {
      await this.context.tasks.record(this.step.id, SUBPROCESS_TASK, report);
    } catch (error) {
      log().warn({ err: error }, `Subprocess executor could not record the task of step '${this.step.name}'`);
    }
  }

  /** The files the run left in its results directory become the job's results (any exit). */
  private async collectResults(directory: string): Promise<void> {
    try {
      const job = { id: this.step.jobId, workspace: this.workspace, name: this.jobName };
      const { skipped } = await this.context.results.collect(job, directory);
      if (skipped.length > 0) {
        log().warn(
          `Step '${this.step.name}' of job '${this.jobName}' left entries that are not results (not a file, or not a valid result name): ${skipped.join(', ')}`,
        );
      }
    } catch (error) {
      log().error(
        { err: error },
        `Subprocess executor could not store the results of step '${this.step.name}'`,
      );
    }
  }

  /** The platform's variables: who the run is, and where its config and storage are. */
  private async workloadEnvironment(files: RunFiles): Promise<Record<string, string>> {
    const job = await this.context.jobs.get(this.workspace, this.jobName);
    return {
      NEMO_JOB_ID: job.id,
      NEMO_JOB_ATTEMPT_ID: job.attemptId,
      NEMO_JOB_STEP: this.step.name,
      NEMO_JOB_WORKSPACE: this.workspace,
      NEMO_JOB_STEP_CONFIG_FILE_PATH: files.configFile,
      NEMO_JOB_PERSISTENT_JOB_STORAGE_PATH: files.persistent,
      NEMO_JOB_EPHEMERAL_TASK_STORAGE_PATH: files.ephemeral,
      NEMO_JOB_RESULTS_STORAGE_PATH: files.results,
    };
  }

  /** With `staleness_timeout_seconds`, stops the step once it has printed nothing for that long. */
  private watchStaleness(): NodeJS.Timeout | undefined {
    const seconds = this.step.lifecycle?.staleness_timeout_seconds ?? 0;
    if (seconds <= 0) return undefined;
    const timeoutMs = seconds * 1000;
    return setInterval(
      () => {
        // A pause has its own deadline.
        if (this.process.checkpointing) return;
        if (Date.now() - this.process.log.lastOutputAt > timeoutMs) this.process.terminate('stale');
      },
      Math.min(1000, timeoutMs / 4),
    );
  }

  /** Brings the processes in line with the step's status, after any change to the job. */
  reconcile(): void {
    if (this.reconcileQueued) return;
    this.reconcileQueued = true;
    void this.enqueue(async () => {
      this.reconcileQueued = false;
      if (!this.process.running || this.context.shutdown.aborted) return;
      const status = await this.stepStatus();
      switch (status) {
        case 'active':
          return;
        // Paused, or marked paused by someone else while it runs: it checkpoints and goes all the same.
        case 'pausing':
        case 'paused':
          return this.process.checkpoint((pauseDeadlineSeconds(this.step) ?? 0) * 1000);
        case 'resuming':
          // Its process never went away: it simply carries on.
          return this.moveIfStill('resuming', 'active');
        case 'cancelling':
          return this.process.terminate('cancel');
        default:
          // Ended by someone else (a controller's PATCH, a deleted job): its processes end too.
          return this.process.terminate('ended-elsewhere');
      }
    }).catch((error: unknown) => log().error({ err: error }, 'Subprocess executor failed'));
  }

  /** Moves the step out of `created`/`pending`; false when another executor (or a cancel) got there first. */
  private async claim(update: StepStatusUpdate): Promise<boolean> {
    try {
      await this.context.jobs.updateStepStatus(this.workspace, this.jobName, this.step.name, update, {
        expected: STARTABLE_STEP_STATUSES,
      });
      return true;
    } catch (error) {
      // Lost, or failed: either way the poll looks again.
      this.context.onClaimMissed();
      if (error instanceof StepTransitionError || error instanceof JobNotFoundError) return false;
      throw error;
    }
  }

  /** What the end of the process means for its step. */
  private report(exit: ProcessExit): StepStatusUpdate {
    if ('spawnError' in exit) {
      const file = this.step.executor.provider === 'subprocess' ? this.step.executor.command[0] : '';
      return {
        status: 'error',
        error_details: { message: `Could not start '${file}': ${exit.spawnError.message}` },
      };
    }
    const { code, signal } = exit;
    if (this.process.terminating === 'stale') {
      const seconds = this.step.lifecycle?.staleness_timeout_seconds ?? 0;
      return {
        status: 'error',
        error_details: {
          exit_code: code,
          signal,
          message: `The step printed nothing for ${seconds} s (its staleness_timeout_seconds) and was stopped.`,
        },
      };
    }
    if (code === 0) return { status: 'completed' };
    if (this.process.checkpointing) return this.reportPause(code, signal);
    const message =
      this.process.terminating === 'shutdown'
        ? 'gateway stopped while the step was running'
        : signal
          ? `The command was killed by ${signal}.`
          : `The command exited with code ${code}.`;
    return { status: 'error', error_details: { exit_code: code, signal, message } };
  }

  /**
   * What a process asked to pause did: exit 75 (checkpoint saved) pauses the step, with no runner
   * left; exit 0 completes it; anything else, or outliving the pause deadline, fails it.
   */
  private reportPause(code: number | null, signal: NodeJS.Signals | null): StepStatusUpdate {
    if (this.process.pauseDeadlinePassed) {
      const seconds = pauseDeadlineSeconds(this.step) ?? 0;
      return {
        status: 'error',
        error_details: {
          exit_code: code,
          signal,
          message: `Job did not stop within its pause deadline of ${seconds} s and was killed.`,
        },
      };
    }
    if (code === CHECKPOINTED_EXIT_CODE) {
      return { status: 'paused', status_details: { runner: null, runner_lease: null } };
    }
    const message = signal
      ? `Job was killed by ${signal} while pausing`
      : `Job exited with code ${code} while pausing`;
    return { status: 'error', error_details: { exit_code: code, signal, message } };
  }

  /** Reports the end of the step, from whatever status it is in by then (see `movesToEnd`). */
  private async finish(update: StepStatusUpdate): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const status = await this.stepStatus();
      if (status === undefined) return;
      try {
        let from = status;
        for (const to of movesToEnd(status, update.status)) {
          // The report's details go with its own status, not with a status passed on the way.
          const move = to === update.status ? update : { status: to };
          await this.context.jobs.updateStepStatus(this.workspace, this.jobName, this.step.name, move, {
            expected: [from],
          });
          from = to;
        }
        // The task ends as its step did (a step cancelled or forced elsewhere keeps that status).
        await this.recordTask(
          from === update.status
            ? {
                status: from,
                status_details: update.status_details ?? {},
                ...(update.error_details ? { error_details: update.error_details } : {}),
              }
            : { status: from },
        );
        return;
      } catch (error) {
        // The step moved meanwhile (a pause or a cancel came in): look again.
        if (!(error instanceof StepTransitionError)) throw error;
      }
    }
    log().error(
      `Subprocess executor could not report the end of step '${this.step.name}' of job '${this.jobName}'.`,
    );
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.chain.then(work);
    this.chain = next.catch(() => {});
    return next;
  }

  private async moveIfStill(from: JobStatus, to: JobStatus): Promise<void> {
    try {
      await this.context.jobs.updateStepStatus(
        this.workspace,
        this.jobName,
        this.step.name,
        { status: to },
        { expected: [from] },
      );
    } catch (error) {
      // Something else happened to the step meanwhile; its event brings us back here.
      if (!(error instanceof StepTransitionError)) throw error;
    }
  }

  private async stepStatus(): Promise<JobStatus | undefined> {
    try {
      const job = await this.context.jobs.get(this.workspace, this.jobName);
      return job.steps.find((s) => s.id === this.step.id)?.status;
    } catch (error) {
      if (error instanceof JobNotFoundError) return undefined;
      throw error;
    }
  }
}
