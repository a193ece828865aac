/**
 * Process supervision for one step: its command runs without a shell in a process group of its
 * own, is signalled as a group (so whatever it started stops and ends with it), and its output
 * goes to the step's log. A pause asks the workload to checkpoint and exit (SIGTERM), and kills it
 * when it has not within its deadline; nothing is ever kept stopped in memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { EnvironmentVariable } from '../jobs/spec.js';
import type { StepLog } from './step-log.js';

/** After the main process exits, how long its pipes may stay open (held by a straggler). */
const PIPE_DRAIN_MS = 1000;

export type ProcessExit = { code: number | null; signal: NodeJS.Signals | null } | { spawnError: Error };

/** Why a step's processes are being ended. */
export type TerminationReason = 'cancel' | 'ended-elsewhere' | 'shutdown' | 'stale';

export class StepProcess {
  private child: ChildProcess | undefined;
  /** How the main process ended, once it has. */
  exit: ProcessExit | undefined;
  /** Asked to checkpoint and exit for a pause (sent SIGTERM). */
  checkpointing = false;
  /** It did not exit within its pause deadline and was killed. */
  pauseDeadlinePassed = false;
  /** Why its processes are being ended, once they are. */
  terminating: TerminationReason | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly log: StepLog,
    /** How long the processes get between SIGTERM and SIGKILL (ms). */
    private readonly killGraceMs: number,
  ) {}

  /** Spawned, and not yet ended. */
  get running(): boolean {
    return this.child !== undefined && this.exit === undefined;
  }

  /**
   * Spawns `command` and resolves when its main process ends, with whatever it left behind
   * killed and its output stored.
   */
  async run(command: string[], env: Record<string, string>): Promise<ProcessExit> {
    // The step's spec asks for at least one element, the program; an empty one fails to spawn.
    const [file = '', ...args] = command;
    const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child = child;
    this.log.lastOutputAt = Date.now();
    this.log.read(child.stdout, 'stdout');
    this.log.read(child.stderr, 'stderr');
    const exit = await new Promise<ProcessExit>((resolve) => {
      child.once('error', (spawnError) => resolve({ spawnError }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    this.exit = exit;
    // A step's processes end with it: whatever its main process left behind is stopped too.
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    await this.log.close(PIPE_DRAIN_MS);
    return exit;
  }

  /**
   * Asks the group to checkpoint and exit (SIGTERM); SIGKILL once `deadlineMs` have passed. How it
   * exits says what the pause became (see StepRun).
   */
  checkpoint(deadlineMs: number): void {
    if (this.checkpointing || this.terminating || !this.running) return;
    this.checkpointing = true;
    this.signal('SIGTERM');
    this.deadlineTimer = setTimeout(() => {
      this.pauseDeadlinePassed = true;
      this.signal('SIGKILL');
    }, deadlineMs);
  }

  /** SIGTERM to the group (unless a pause already sent it), SIGKILL after the grace period. */
  terminate(reason: TerminationReason): void {
    if (this.terminating || !this.running) return;
    this.terminating = reason;
    if (!this.checkpointing) this.signal('SIGTERM');
    this.killTimer = setTimeout(() => this.signal('SIGKILL'), this.killGraceMs);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.exit || this.child?.pid === undefined) return;
    signalGroup(this.child.pid, signal);
  }

  /** Forgets a pending SIGKILL: the step is over. */
  dispose(): void {
    clearTimeout(this.killTimer);
    clearTimeout(this.deadlineTimer);
  }
}

/**
 * A minimal base (PATH, HOME), the step's variables (values as given, secrets from the gateway's
 * environment variable of the secret's name), then the platform's own (`NEMO_JOB_*`), which a step
 * cannot override.
 */
export function stepEnvironment(
  variables: EnvironmentVariable[] | null,
  platform: Record<string, string> = {},
): { env: Record<string, string> } | { missing: { variable: string; secret: string } } {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
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
  return { env: { ...env, ...platform } };
}

/** Signals every process of the group led by `pid`; a group that is already gone is fine. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
