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
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobStepRow } from '../jobs/tables.js';
import type { StatusEvent, StatusEventFeed } from '../events/feed.js';
import { JobNotFoundError, StepTransitionError } from '../jobs/errors.js';
import {
  JOB_STATUSES_THAT_MAY_BRING_WORK,
  STARTABLE_STEP_STATUSES,
  STEP_STATUSES_AWAITING_EXECUTOR,
  STEP_STATUSES_WAITING_ON_RUNNER,
  UNSTARTED_STEP_SETTLES_TO,
  movesToEnd,
  orphanedStepEndsIn,
  type JobStatus,
} from '../jobs/lifecycle.js';
import type { JobsService } from '../jobs/service.js';
import type { EnvironmentVariable, StepStatusUpdate } from '../jobs/spec.js';
import type { ProcessLease } from '../db/client.js';
import { StepLog } from './step-log.js';

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
}

const SCAN_BATCH = 100;
/** After the main process exits, how long its pipes may stay open (held by a straggler). */
const PIPE_DRAIN_MS = 1000;
/** After SIGSTOP, a moment for what the process wrote before it stopped to leave the pipes. */
const PIPE_SETTLE_MS = 20;

type Outcome = { code: number | null; signal: NodeJS.Signals | null } | { spawnError: Error };

interface Run {
  step: JobStepRow;
  workspace: string;
  jobName: string;
  log: StepLog;
  child?: ChildProcess;
  outcome?: Outcome;
  /** Sent SIGSTOP and not yet SIGCONT. */
  stopped: boolean;
  /** Why its processes are being ended, once they are. */
  terminating?: 'cancel' | 'ended-elsewhere' | 'shutdown';
  killTimer?: NodeJS.Timeout;
  /** Every status change of this run happens on this chain, one after the other. */
  chain: Promise<void>;
  /** A reconcile is waiting on the chain: another would only repeat it. */
  reconcileQueued: boolean;
}

export class SubprocessExecutor {
  private readonly runs = new Map<string, Run>();
  /** Steps being settled without a process (unstarted pauses, resumes and cancels). */
  private readonly settling = new Set<string>();
  private readonly tasks = new Set<Promise<void>>();
  private scanning: Promise<void> | undefined;
  private scanAgain = false;
  /** The last look found nothing to do: until an event says otherwise, the poll does not look. */
  private idle = false;
  private stopping = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly runner = `subprocess executor on ${hostname()} (pid ${process.pid})`;
  private readonly options: Required<SubprocessExecutorOptions>;

  constructor(
    private readonly jobs: JobsService,
    private readonly feed: StatusEventFeed,
    /** This process's lease: recorded on every step it claims, so others can tell if it died. */
    private readonly lease: ProcessLease,
    options: SubprocessExecutorOptions = {},
  ) {
    this.options = {
      pollIntervalMs: options.pollIntervalMs ?? 500,
      killGraceMs: options.killGraceMs ?? 5000,
      logFlushMs: options.logFlushMs ?? 100,
      logBatchLines: options.logBatchLines ?? 100,
      orphanSweepMs: options.orphanSweepMs ?? 5000,
    };
  }

  start(): void {
    this.unsubscribe = this.feed.onEvent((event) => this.onEvent(event));
    this.pollTimer = setInterval(() => {
      if (!this.idle) this.wake();
      for (const run of this.runs.values()) this.reconcile(run);
    }, this.options.pollIntervalMs);
    this.pollTimer.unref();
    this.sweepTimer = setInterval(() => this.track(this.sweepOrphans()), this.options.orphanSweepMs);
    this.sweepTimer.unref();
    this.wake();
    this.track(this.sweepOrphans());
  }

  /**
   * Ends every process this executor runs and waits for their steps to be reported. Nobody can
   * take such a step over (an `active` step never goes back to `pending`, and its process and
   * output are gone), so it ends in `error` saying the gateway stopped: an operator sees at once
   * that it needs running again, rather than a job that looks active forever with nothing behind it.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    clearInterval(this.pollTimer);
    clearInterval(this.sweepTimer);
    await this.scanning;
    for (const run of this.runs.values()) this.terminate(run, 'shutdown');
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }

  private onEvent(event: StatusEvent): void {
    for (const run of this.runs.values()) if (run.step.jobId === event.jobId) this.reconcile(run);
    if (JOB_STATUSES_THAT_MAY_BRING_WORK.has(event.status)) this.wake();
  }

  /** Looks for work soon; at most one look runs, and wakes during it cause one more. */
  private wake(): void {
    if (this.stopping) return;
    if (this.scanning) {
      this.scanAgain = true;
      return;
    }
    this.scanning = this.scanLoop().finally(() => (this.scanning = undefined));
  }

  private async scanLoop(): Promise<void> {
    do {
      this.scanAgain = false;
      try {
        await this.scan();
      } catch (error) {
        // The database is unreachable for now: the poll looks again.
        this.idle = false;
        console.error('Subprocess executor could not look for work:', error);
        return;
      }
    } while (this.scanAgain && !this.stopping);
  }

  private async scan(): Promise<void> {
    let found = 0;
    for (let offset = 0; !this.stopping; offset += SCAN_BATCH) {
      const { rows } = await this.jobs.listSteps({
        provider: 'subprocess',
        current: true,
        status: [...STEP_STATUSES_AWAITING_EXECUTOR],
        limit: SCAN_BATCH,
        offset,
      });
      found += rows.length;
      for (const { step, job } of rows) {
        if (this.stopping || this.runs.has(step.id) || this.settling.has(step.id)) continue;
        if (STARTABLE_STEP_STATUSES.includes(step.status))
          this.track(this.launch(step, job.workspace, job.name));
        else if (!('runner' in step.statusDetails))
          this.track(this.settleUnstarted(step, job.workspace, job.name));
      }
      if (rows.length < SCAN_BATCH) break;
    }
    this.idle = found === 0;
  }

  /**
   * Ends the steps whose gateway process died while running them: their process is gone with it
   * (or beyond anyone's reach), so they would look alive forever. A running, pausing or resuming
   * one fails; a cancelling one is cancelled, as asked. A paused one stays paused until resumed
   * or cancelled, and the next sweep settles it then.
   */
  private async sweepOrphans(): Promise<void> {
    if (this.stopping) return;
    const verdicts = new Map<string, Promise<boolean>>();
    try {
      for (let offset = 0; !this.stopping; offset += SCAN_BATCH) {
        const { rows } = await this.jobs.listSteps({
          provider: 'subprocess',
          status: [...STEP_STATUSES_WAITING_ON_RUNNER],
          limit: SCAN_BATCH,
          offset,
        });
        for (const { step, job } of rows) {
          const lease = step.statusDetails.runner_lease;
          if (typeof lease !== 'string' || this.runs.has(step.id)) continue;
          if (!verdicts.has(lease)) verdicts.set(lease, this.lease.isHeld(lease));
          if (await verdicts.get(lease)) continue;
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
          await this.jobs
            .updateStepStatus(job.workspace, job.name, step.name, update, { expected: [step.status] })
            .catch((error) => {
              // Another gateway settled it first, or the job is gone: either way, nothing to do.
              if (!(error instanceof StepTransitionError || error instanceof JobNotFoundError)) throw error;
            });
        }
        if (rows.length < SCAN_BATCH) break;
      }
    } catch (error) {
      console.error('Subprocess executor could not look for orphaned steps:', error);
    }
  }

  private track(task: Promise<void>): void {
    const tracked = task
      .catch((error: unknown) => console.error('Subprocess executor:', error))
      .finally(() => this.tasks.delete(tracked));
    this.tasks.add(tracked);
  }

  /** Claims a waiting step and runs its command to the end. */
  private async launch(step: JobStepRow, workspace: string, jobName: string): Promise<void> {
    const run: Run = {
      step,
      workspace,
      jobName,
      log: new StepLog(this.jobs, step.jobId, step.name, {
        flushMs: this.options.logFlushMs,
        batchLines: this.options.logBatchLines,
      }),
      stopped: false,
      chain: Promise.resolve(),
      reconcileQueued: false,
    };
    this.runs.set(step.id, run);
    try {
      const environment = stepEnvironment(step.environment);
      // A step that cannot start fails in the claim itself, so only one executor reports it.
      const claimed = await this.claim(
        run,
        'missing' in environment
          ? {
              status: 'error',
              error_details: {
                message: `Secret '${environment.missing.secret}' (for environment variable '${environment.missing.variable}') is not set in the gateway's environment.`,
                secret: environment.missing.secret,
              },
            }
          : { status: 'active', status_details: { runner: this.runner, runner_lease: this.lease.id } },
      );
      if (!claimed || 'missing' in environment) return;
      if (this.stopping) {
        await this.enqueue(run, () =>
          this.finish(run, {
            status: 'error',
            error_details: { message: 'gateway stopped before the step started' },
          }),
        );
        return;
      }
      const outcome = await this.execute(run, environment.env);
      await this.enqueue(run, () => this.finish(run, this.report(run, outcome)));
    } finally {
      clearTimeout(run.killTimer);
      this.runs.delete(step.id);
    }
  }

  /** Moves the step out of `created`/`pending`; false when another executor (or a cancel) got there first. */
  private async claim(run: Run, update: StepStatusUpdate): Promise<boolean> {
    try {
      await this.jobs.updateStepStatus(run.workspace, run.jobName, run.step.name, update, {
        expected: STARTABLE_STEP_STATUSES,
      });
      return true;
    } catch (error) {
      // Lost, or failed: either way the poll looks again.
      this.idle = false;
      if (error instanceof StepTransitionError || error instanceof JobNotFoundError) return false;
      throw error;
    }
  }

  /** Spawns the command in a process group of its own and resolves when its main process ends. */
  private async execute(run: Run, env: Record<string, string>): Promise<Outcome> {
    if (run.step.executor.provider !== 'subprocess') throw new Error('not a subprocess step');
    const [file, ...args] = run.step.executor.command;
    const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    run.child = child;
    run.log.read(child.stdout, 'stdout');
    run.log.read(child.stderr, 'stderr');
    const outcome = await new Promise<Outcome>((resolve) => {
      child.once('error', (spawnError) => resolve({ spawnError }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    run.outcome = outcome;
    // A step's processes end with it: whatever its main process left behind is stopped too.
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    await run.log.close(PIPE_DRAIN_MS);
    return outcome;
  }

  /** What the end of the process means for its step. */
  private report(run: Run, outcome: Outcome): StepStatusUpdate {
    if ('spawnError' in outcome) {
      const file = run.step.executor.provider === 'subprocess' ? run.step.executor.command[0] : '';
      return {
        status: 'error',
        error_details: { message: `Could not start '${file}': ${outcome.spawnError.message}` },
      };
    }
    const { code, signal } = outcome;
    if (code === 0) return { status: 'completed' };
    const message =
      run.terminating === 'shutdown'
        ? 'gateway stopped while the step was running'
        : signal
          ? `The command was killed by ${signal}.`
          : `The command exited with code ${code}.`;
    return { status: 'error', error_details: { exit_code: code, signal, message } };
  }

  /**
   * Reports the end of the step, from whatever status it is in by then: a step being cancelled
   * ends `cancelled`; a paused or resuming one passes through `active` where the table requires.
   */
  private async finish(run: Run, update: StepStatusUpdate): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const status = await this.stepStatus(run);
      if (status === undefined) return;
      try {
        let from = status;
        for (const to of movesToEnd(status, update.status)) {
          // The report's details go with its own status, not with a status passed on the way.
          const move = to === update.status ? update : { status: to };
          await this.jobs.updateStepStatus(run.workspace, run.jobName, run.step.name, move, {
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
    console.error(
      `Subprocess executor could not report the end of step '${run.step.name}' of job '${run.jobName}'.`,
    );
  }

  /** Brings the processes in line with the step's status, after any change to the job. */
  private reconcile(run: Run): void {
    if (run.reconcileQueued) return;
    run.reconcileQueued = true;
    void this.enqueue(run, async () => {
      run.reconcileQueued = false;
      if (run.outcome || run.child === undefined || this.stopping) return;
      const status = await this.stepStatus(run);
      switch (status) {
        case 'active':
          if (run.stopped) this.signal(run, 'SIGCONT');
          return;
        case 'pausing':
          this.signal(run, 'SIGSTOP');
          await sleep(PIPE_SETTLE_MS);
          // What it printed before it stopped is readable once the job shows paused.
          await run.log.flush();
          return this.moveIfStill(run, 'pausing', 'paused');
        case 'paused':
          if (!run.stopped) this.signal(run, 'SIGSTOP');
          return;
        case 'resuming':
          this.signal(run, 'SIGCONT');
          return this.moveIfStill(run, 'resuming', 'active');
        case 'cancelling':
          return this.terminate(run, 'cancel');
        default:
          // Ended by someone else (a controller's PATCH, a deleted job): its processes end too.
          return this.terminate(run, 'ended-elsewhere');
      }
    }).catch((error: unknown) => console.error('Subprocess executor:', error));
  }

  private enqueue(run: Run, work: () => Promise<void>): Promise<void> {
    const next = run.chain.then(work);
    run.chain = next.catch(() => {});
    return next;
  }

  private async moveIfStill(run: Run, from: JobStatus, to: JobStatus): Promise<void> {
    try {
      await this.jobs.updateStepStatus(
        run.workspace,
        run.jobName,
        run.step.name,
        { status: to },
        { expected: [from] },
      );
    } catch (error) {
      // Something else happened to the step meanwhile; its event brings us back here.
      if (!(error instanceof StepTransitionError)) throw error;
    }
  }

  /** SIGTERM to the group, SIGKILL after the grace period. */
  private terminate(run: Run, reason: NonNullable<Run['terminating']>): void {
    if (run.terminating || run.outcome || run.child === undefined) return;
    run.terminating = reason;
    this.signal(run, 'SIGTERM');
    // A stopped process acts on SIGTERM only once it runs again.
    this.signal(run, 'SIGCONT');
    run.killTimer = setTimeout(() => this.signal(run, 'SIGKILL'), this.options.killGraceMs);
  }

  private signal(run: Run, signal: NodeJS.Signals): void {
    if (run.outcome || run.child?.pid === undefined) return;
    signalGroup(run.child.pid, signal);
    if (signal === 'SIGSTOP') run.stopped = true;
    if (signal === 'SIGCONT') run.stopped = false;
  }

  /** Settles an action on a step that never started: there is no process to stop or continue. */
  private async settleUnstarted(step: JobStepRow, workspace: string, jobName: string): Promise<void> {
    const target = UNSTARTED_STEP_SETTLES_TO[step.status];
    if (!target) return;
    this.settling.add(step.id);
    try {
      await this.jobs.updateStepStatus(
        workspace,
        jobName,
        step.name,
        { status: target },
        { expected: [step.status] },
      );
    } catch (error) {
      if (!(error instanceof StepTransitionError || error instanceof JobNotFoundError)) throw error;
    } finally {
      this.settling.delete(step.id);
    }
  }

  private async stepStatus(run: Run): Promise<JobStatus | undefined> {
    try {
      const job = await this.jobs.get(run.workspace, run.jobName);
      return job.steps.find((s) => s.id === run.step.id)?.status;
    } catch (error) {
      if (error instanceof JobNotFoundError) return undefined;
      throw error;
    }
  }
}

/**
 * A minimal base (PATH, HOME) and the step's variables: values as given, secrets from the
 * gateway's environment variable of the secret's name.
 */
function stepEnvironment(
  variables: EnvironmentVariable[] | null,
): { env: Record<string, string> } | { missing: { variable: string; secret: string } } {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME']) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  for (const variable of variables ?? []) {
    if (variable.from_secret) {
      const value = process.env[variable.from_secret.name];
      if (value === undefined)
        return { missing: { variable: variable.name, secret: variable.from_secret.name } };
      env[variable.name] = value;
    } else {
      env[variable.name] = variable.value ?? '';
    }
  }
  return { env };
}

/** Signals every process of the group led by `pid`; a group that is already gone is fine. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
