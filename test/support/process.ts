/**
 * A gateway in a separate OS process, started the way a user starts it: the built server
 * (`node dist/main.js`, what `npm start` runs; the test run builds it first), or any other command.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr together. */
  readonly output: string;
  /** Its exit code, or null when a signal ended it. */
  exited: Promise<number | null>;
  /** Resolves once its output matches `pattern`. */
  printed(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM, and wait for it to exit. */
  stop(): Promise<void>;
}

export interface ProcessOptions {
  /** The command and its arguments; the built server by default. */
  command?: string[];
  cwd?: string;
  /** Called with everything printed so far, each time it prints (also while it starts). */
  onOutput?: (output: string) => void;
}

const BUILT_SERVER = [process.execPath, 'dist/main.js'];

/** Embedded PostgreSQL starting in a new process can take this long on a busy 2-core machine. */
const START_TIMEOUT_MS = 90_000;

/** A test's timeout when it starts gateway processes (one or two, each up to START_TIMEOUT_MS). */
export const PROCESS_TEST_MS = 2 * START_TIMEOUT_MS;

export function startGatewayProcess(
  env: Record<string, string>,
  { command = BUILT_SERVER, cwd = root, onOutput }: ProcessOptions = {},
): Promise<GatewayProcess> {
  const child = spawn(command[0], command.slice(1), {
    cwd,
    // Plain lines, as on a terminal, unless a test asks for JSON.
    env: { ...process.env, PORT: '0', LOG_FORMAT: 'plain', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    onOutput?.(output);
    for (const waiter of waiters) waiter();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const printed = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(output)) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`gateway process did not print ${pattern}:\n${output}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return new Promise((resolve, reject) => {
    void exited.then((code) => reject(new Error(`gateway process exited with ${code}:\n${output}`)));
    printed(/ on (http:\/\/\S+)/, START_TIMEOUT_MS).then(() => {
      resolve({
        url: / on (http:\/\/\S+)/.exec(output)![1],
        child,
        get output() {
          return output;
        },
        exited,
        printed,
        stop: async () => {
          // Already gone: a process killed by a signal has a signalCode, not an exitCode.
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    }, reject);
  });
}

/** Runs the built server until it exits, for start-ups that must fail. */
export function runGatewayProcess(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(BUILT_SERVER[0], BUILT_SERVER.slice(1), {
    cwd: root,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** Whether no process with this pid exists any more (signal 0 checks without sending anything). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
