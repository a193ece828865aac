/** The servers under test, each a separate OS process started the way a user starts it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The gateway as a user runs it: the build when there is one, the sources through tsx otherwise. */
export function gatewayCommand(): string[] {
  return existsSync(`${root}/dist/main.js`) ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
}

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `node <args>` with PORT=0 and resolves once it prints the URL it listens on
 * ("… on http://host:port …"); rejects with its output if it exits or stays silent for 30 s.
 */
export function startServerProcess(args: string[], env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    // NODE_ENV=production as the container image runs the gateway (graphql-js, for one, checks
    // types more slowly outside it).
    env: { ...process.env, NODE_ENV: 'production', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Keep reading (a full pipe would block the server) but remember only the tail, for errors.
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000));
  child.stderr.on('data', keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${args.join(' ')} did not start:\n${output}`));
    }, 30_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`));
    };
    child.once('exit', onExit);
    let started = false;
    child.stdout.on('data', (chunk: Buffer) => {
      keep(chunk);
      const match = !started && /on (http:\/\/[^\s]+)/.exec(output);
      if (!match) return;
      started = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      let stopping = false;
      // A server that dies under load says why, or the benchmark only sees refused connections.
      child.once('exit', (code, signal) => {
        if (!stopping && code !== 0) console.error(`${args.join(' ')} died (${signal ?? code}):\n${output}`);
      });
      const stop = () => ((stopping = true), stopProcess(child));
      resolve({ url: match[1], pid: child.pid!, child, stop });
    });
  });
}

export function startGateway(databaseUrl: string, env: Record<string, string> = {}) {
  return startServerProcess(gatewayCommand(), { DATABASE_URL: databaseUrl, ...env });
}

export function startBareServer(databaseUrl: string) {
  return startServerProcess(['--import', 'tsx', 'bench/bare-server.ts'], { DATABASE_URL: databaseUrl });
}

/** SIGTERM (both servers shut down cleanly on it), then waits for the exit. */
export function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    // Already gone: a process killed by a signal has a signalCode, not an exitCode.
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
    // A process paused by `whileOthersPause` acts on the SIGTERM only once it runs again.
    child.kill('SIGCONT');
  });
}

/**
 * Runs `work` with `others` paused (SIGSTOP), then resumes them. A server left running beside the
 * one under test takes CPU from it: an idle gateway reads the event log at every NOTIFY another
 * process sends, which cost the bare server 4–12 % of its rate in one test.
 */
export async function whileOthersPause<T>(others: ServerProcess[], work: () => Promise<T>): Promise<T> {
  for (const other of others) other.child.kill('SIGSTOP');
  try {
    return await work();
  } finally {
    for (const other of others) other.child.kill('SIGCONT');
  }
}

/** A process's resident memory in bytes (VmRSS), or its peak so far (VmHWM). */
export function residentMemory(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
}

/** Samples a process's RSS every `intervalMs` until stopped; returns the peak seen. */
export function sampleMemory(pid: number, intervalMs = 100): { stop(): number } {
  let peak = residentMemory(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, residentMemory(pid));
    } catch {
      // The process is gone; the scenario will report the failure.
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

/** Seconds of CPU (user and system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name (which may hold spaces), from the state (field 3) on.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime and stime: fields 14 and 15.
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** The kernel's USER_HZ, 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
