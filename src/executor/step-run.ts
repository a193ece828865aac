/**
 * Status reconciliation for one step this executor claimed: it claims the step, runs its process,
 * keeps the process in line with the step's status (pause, resume, cancel, ended elsewhere) and
 * reports how it ended. Every status change of a run happens on one chain, one after the other.
 */
import { JobNotFoundError, StepTransitionError } from '../jobs/errors.js';
import { STARTABLE_STEP_STATUSES, movesToEnd, type JobStatus } from '../jobs/lifecycle.js';
import type { JobsService } from '../jobs/service.js';
import type { StepStatusUpdate } from '../jobs/spec.js';
import type { JobStepRow } from '../jobs/tables.js';
import { log } from '../observability/request-context.js';
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
      if (this.context.shutdown.aborted) {
        await this.enqueue(() =>
          this.finish({
            status: 'error',
            error_details: { message: 'gateway stopped before the step started' },
          }),
        );
        return;
      }
      if (this.step.executor.provider !== 'subprocess') throw new Error('not a subprocess step');
      const exit = await this.process.run(this.step.executor.command, environment.env);
      await this.enqueue(() => this.finish(this.report(exit)));
    } finally {
      this.process.dispose();
    }
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
          if (this.process.stopped) this.process.signal('SIGCONT');
          return;
        case 'pausing':
          await this.process.pause();
          return this.moveIfStill('pausing', 'paused');
        case 'paused':
          if (!this.process.stopped) this.process.signal('SIGSTOP');
          return;
        case 'resuming':
          this.process.signal('SIGCONT');
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
    if (code === 0) return { status: 'completed' };
    const message =
      this.process.terminating === 'shutdown'
        ? 'gateway stopped while the step was running'
        : signal
          ? `The command was killed by ${signal}.`
          : `The command exited with code ${code}.`;
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
