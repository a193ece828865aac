/**
 * The built-in subprocess executor: runs the `subprocess` steps of jobs as local processes and
 * reports their progress to the jobs service, as any external controller would. It knows nothing
 * of HTTP or GraphQL; it finds work through the service and hears of status changes through the
 * event feed, which carries every gateway process's changes.
 *
 * Several gateway processes may share one database: each step is claimed (moved to `active`) under
 * the job's row lock and only while it is still `created` or `pending`, so exactly one of them runs
 * it. The claim leaves a `runner` in the step's status details: a step that has one was started by
 * some executor, which alone may stop it; a step without one never started, and any executor may
 * settle its pause, resume or cancel at once.
 *
 * The parts: find-work.ts (what waits for an executor), step-run.ts (a claimed step's status, kept
 * in line with its process), step-process.ts (the process group and its output), orphan-sweep.ts
 * (steps whose gateway process died).
 */
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProcessLease } from '../db/client.js';
import type { StatusEvent, StatusEventFeed } from '../events/feed.js';
import { JOB_STATUSES_THAT_MAY_BRING_WORK, type JobStatus } from '../jobs/lifecycle.js';
import type { StepWithJob } from '../jobs/repository.js';
import type { JobResults } from '../jobs/results.js';
import type { JobsService } from '../jobs/service.js';
import type { JobTasks } from '../jobs/tasks.js';
import { log } from '../observability/request-context.js';
import { SingleFlight } from '../support/single-flight.js';
import { settleUnstarted, stepsAwaitingExecutor, workOn } from './find-work.js';
import { JobStorage } from './job-storage.js';
import { sweepOrphans } from './orphan-sweep.js';
import { StepRun, type StepRunContext } from './step-run.js';

export interface SubprocessExecutorOptions {
  /** How often to look for work while there is some, and to re-check the steps it runs (ms). */
  pollIntervalMs?: number;
  /** How long a cancelled step's processes get between SIGTERM and SIGKILL (ms). */
  killGraceMs?: number;
  /** Output lines are stored at least this often (ms)… */
  logFlushMs?: number;
  /** …and at once when this many are waiting. */
  logBatchLines?: number;
  /** How often to look for steps whose gateway process died while running them (ms). */
  orphanSweepMs?: number;
  /** Where workloads' job storage lives (`JOB_STORAGE_DIR`); shared by every process that may resume a job. */
  storageDir?: string;
  /** How many steps this process runs at once (`EXECUTOR_MAX_PROCESSES`); the rest wait, oldest job first. */
  maxProcesses?: number;
}

/**
 * Where job storage lives when `JOB_STORAGE_DIR` is not set: `<DATA_DIR>/jobs`, or, with no data
 * directory on disk (`memory://`, or none given), `<system temp>/jobs-gateway/jobs`.
 */
export function defaultStorageDir(dataDir?: string): string {
  if (dataDir && !dataDir.startsWith('memory://')) return join(dataDir, 'jobs');
  return join(tmpdir(), 'jobs-gateway', 'jobs');
}

export class SubprocessExecutor {
  private readonly runs = new Map<string, StepRun>();
  /** Steps being settled without a process (unstarted pauses, resumes and cancels). */
  private readonly settling = new Set<string>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly scans = new SingleFlight(
    () => this.scan(),
    (error) => {
      // The database is unreachable for now: the poll looks again.
      this.idle = false;
      log().error({ err: error }, 'Subprocess executor could not look for work');
    },
  );
  /** The last look found nothing to do: until an event says otherwise, the poll does not look. */
  private idle = false;
  private readonly shutdown = new AbortController();
  private pollTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly options: Required<SubprocessExecutorOptions>;
  private readonly runContext: StepRunContext;
  private readonly storage: JobStorage;
  private forgetDeletes: (() => void) | undefined;

  constructor(
    private readonly jobs: JobsService,
    private readonly feed: StatusEventFeed,
    /** This process's lease: recorded on every step it claims, so others can tell if it died. */
    private readonly lease: ProcessLease,
    options: SubprocessExecutorOptions = {},
    /** Where runs record their tasks and results. */
    artifacts: { tasks: JobTasks; results: JobResults },
  ) {
    this.options = {
      pollIntervalMs: options.pollIntervalMs ?? 500,
      killGraceMs: options.killGraceMs ?? 5000,
      logFlushMs: options.logFlushMs ?? 100,
      logBatchLines: options.logBatchLines ?? 100,
      orphanSweepMs: options.orphanSweepMs ?? 5000,
      storageDir: options.storageDir ?? defaultStorageDir(),
      maxProcesses: options.maxProcesses ?? availableParallelism(),
    };
    this.storage = new JobStorage(this.options.storageDir);
    this.runContext = {
      jobs,
      runner: `subprocess executor on ${hostname()} (pid ${process.pid})`,
      leaseId: lease.id,
      shutdown: this.shutdown.signal,
      onClaimMissed: () => (this.idle = false),
      killGraceMs: this.options.killGraceMs,
      log: { flushMs: this.options.logFlushMs, batchLines: this.options.logBatchLines },
      storage: this.storage,
      ...artifacts,
    };
  }

  start(): void {
    this.unsubscribe = this.feed.onEvent((event) => this.onEvent(event));
    // A deleted job's storage goes with it.
    this.forgetDeletes = this.jobs.onDeleted((jobId) => this.track(this.storage.removeJob(jobId)));
    this.pollTimer = setInterval(() => {
      if (!this.idle) this.scans.wake();
      for (const run of this.runs.values()) run.reconcile();
    }, this.options.pollIntervalMs);
    this.pollTimer.unref();
    this.sweepTimer = setInterval(() => this.sweep(), this.options.orphanSweepMs);
    this.sweepTimer.unref();
    this.scans.wake();
    this.sweep();
  }

  /** Steps whose processes run now (for metrics). */
  get runningSteps(): number {
    return this.runs.size;
  }

  /**
   * Ends every process this executor runs and waits for their steps to be reported. Nobody can
   * take such a step over (an `active` step never goes back to `pending`, and its process and
   * output are gone), so it ends in `error` saying the gateway stopped: an operator sees at once
   * that it needs running again, rather than a job that looks active forever with nothing behind it.
   */
  async stop(): Promise<void> {
    this.shutdown.abort();
    this.unsubscribe?.();
    this.forgetDeletes?.();
    clearInterval(this.pollTimer);
    clearInterval(this.sweepTimer);
    await this.scans.stop();
    for (const run of this.runs.values()) run.process.terminate('shutdown');
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }

  private onEvent(event: StatusEvent): void {
    for (const run of this.runs.values()) if (run.step.jobId === event.jobId) run.reconcile();
    if (JOB_STATUSES_THAT_MAY_BRING_WORK.has(event.status)) this.scans.wake();
  }

  /** One look for work: starts the waiting steps nobody runs yet, settles unstarted ones' actions. */
  private async scan(): Promise<void> {
    let found = 0;
    for await (const waiting of stepsAwaitingExecutor(this.jobs, this.shutdown.signal)) {
      found++;
      const { step } = waiting;
      if (this.shutdown.signal.aborted || this.runs.has(step.id) || this.settling.has(step.id)) continue;
      const work = workOn(step);
      // Beyond the cap, a step waits for a later look: the oldest job's step goes first.
      if (work?.kind === 'start' && this.runs.size < this.options.maxProcesses)
        this.track(this.launch(waiting));
      else if (work?.kind === 'settle') this.track(this.settle(waiting, work.to));
    }
    this.idle = found === 0;
  }

  private sweep(): void {
    this.track(sweepOrphans(this.jobs, this.runContext.tasks, this.lease, this.runs, this.shutdown.signal));
  }

  private track(task: Promise<void>): void {
    const tracked = task
      .catch((error: unknown) => log().error({ err: error }, 'Subprocess executor failed'))
      .finally(() => this.tasks.delete(tracked));
    this.tasks.add(tracked);
  }

  private async launch({ step, job }: StepWithJob): Promise<void> {
    const run = new StepRun(step, job.workspace, job.name, this.runContext);
    this.runs.set(step.id, run);
    try {
      await run.run();
    } finally {
      this.runs.delete(step.id);
      // A place is free: a waiting step may start.
      this.idle = false;
      this.scans.wake();
    }
  }

  private async settle(waiting: StepWithJob, to: JobStatus): Promise<void> {
    this.settling.add(waiting.step.id);
    try {
      await settleUnstarted(this.jobs, waiting, to);
    } finally {
      this.settling.delete(waiting.step.id);
    }
  }
}
