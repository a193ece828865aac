/**
 * Process supervision for one step: its command runs without a shell in a process group of its
 * own, is signalled as a group (so whatever it started stops and ends with it), and its output
 * goes to the step's log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EnvironmentVariable } from '../jobs/spec.js';
import type { StepLog } from './step-log.js';

/** After the main process exits, how long its pipes may stay open (held by a straggler). */
const PIPE_DRAIN_MS = 1000;
/** After SIGSTOP, a moment for what the process wrote before it stopped to leave the pipes. */
const PIPE_SETTLE_MS = 20;

export type ProcessExit = { code: number | null; signal: NodeJS.Signals | null } | { spawnError: Error };

/** Why a step's processes are being ended. */
export type TerminationReason = 'cancel' | 'ended-elsewhere' | 'shutdown';

export class StepProcess {
  private child: ChildProcess | undefined;
  /** How the main process ended, once it has. */
  exit: ProcessExit | undefined;
  /** Sent SIGSTOP and not yet SIGCONT. */
  stopped = false;
  /** Why its processes are being ended, once they are. */
  terminating: TerminationReason | undefined;
  private killTimer: NodeJS.Timeout | undefined;

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

  /** Stops the group, and stores what it printed before it stopped: once paused, it is readable. */
  async pause(): Promise<void> {
    this.signal('SIGSTOP');
    await sleep(PIPE_SETTLE_MS);
    await this.log.flush();
  }

  /** SIGTERM to the group, SIGKILL after the grace period. */
  terminate(reason: TerminationReason): void {
    if (this.terminating || !this.running) return;
    this.terminating = reason;
    this.signal('SIGTERM');
    // A stopped process acts on SIGTERM only once it runs again.
    this.signal('SIGCONT');
    this.killTimer = setTimeout(() => this.signal('SIGKILL'), this.killGraceMs);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.exit || this.child?.pid === undefined) return;
    signalGroup(this.child.pid, signal);
    if (signal === 'SIGSTOP') this.stopped = true;
    if (signal === 'SIGCONT') this.stopped = false;
  }

  /** Forgets a pending SIGKILL: the step is over. */
  dispose(): void {
    clearTimeout(this.killTimer);
  }
}

/**
 * A minimal base (PATH, HOME) and the step's variables: values as given, secrets from the
 * gateway's environment variable of the secret's name.
 */
export function stepEnvironment(
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
