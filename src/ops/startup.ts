/**
 * What a gateway process checks and claims before it opens its database: that its address is safe
 * to listen on with its access settings, its port and, on PGlite, its data directory. A problem
 * stops start-up at once with one line saying so (a StartupError), rather than a failure seconds
 * later from deep inside a library.
 */
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AccessSettings } from '../access/settings.js';

/** A start-up failure whose message is the whole story: printed as one line, never with a stack. */
export class StartupError extends Error {}

const portProblems: Record<string, (port: number, host: string) => string> = {
  EADDRINUSE: (port, host) =>
    `Port ${port} on ${host} is already in use (EADDRINUSE): another process listens there; stop it or set PORT to a free port.`,
  EACCES: (port, host) =>
    `Port ${port} on ${host} cannot be bound (EACCES): ports below 1024 need privileges; set PORT to 1024 or above.`,
  EADDRNOTAVAIL: (port, host) =>
    `Port ${port} on ${host} cannot be bound (EADDRNOTAVAIL): ${host} is not an address of this machine; check HOST.`,
  ENOTFOUND: (port, host) =>
    `Port ${port} on ${host} cannot be bound (ENOTFOUND): ${host} is not a known host; check HOST.`,
};

/** Listens on `port` (0 picks a free one) and returns where; a port that cannot be had is a StartupError. */
export function bindPort(server: Server, port: number, host: string): Promise<{ port: number; url: string }> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const problem = error.code && portProblems[error.code];
      reject(problem ? new StartupError(problem(port, host)) : error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const actual = (server.address() as AddressInfo).port;
      resolve({ port: actual, url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}` });
    });
  });
}

export interface DataDirectoryLock {
  /** Removes the lock file if it is still this process's; safe to call more than once. */
  release(): void;
}

const LOCK_FILE = 'gateway.pid';

/**
 * Makes `dataDir` this process's: creates it if needed and writes `gateway.pid` with this pid.
 * Embedded PostgreSQL cannot be shared, and a second process on the same files fails obscurely
 * (or corrupts them), so a lock held by a live process is a StartupError. A lock left by a process
 * that died is taken over. The lock file appears whole (written aside, then hard-linked into
 * place), so a reader never sees a half-written one.
 */
export function lockDataDirectory(dataDir: string): DataDirectoryLock {
  mkdirSync(dataDir, { recursive: true });
  const lock = join(dataDir, LOCK_FILE);
  const mine = `${lock}.${process.pid}`;
  writeFileSync(mine, `${process.pid}\n`);
  try {
    // A few rounds: each either takes the lock, finds a live holder, or clears a dead one's.
    for (let round = 0; round < 5; round++) {
      try {
        linkSync(mine, lock);
        return { release: () => releaseLock(lock) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readPid(lock);
      if (holder !== undefined && isAlive(holder)) throw inUse(dataDir, holder);
      clearStaleLock(lock, holder, dataDir);
    }
    throw new StartupError(`Data directory ${dataDir} could not be locked: ${lock} keeps changing.`);
  } finally {
    unlinkSync(mine);
  }
}

/**
 * Moves the dead holder's lock aside (a rename is atomic, so of two processes clearing it at once
 * only one moves it). If what was moved is a live process's lock, taken in between, it goes back.
 */
function clearStaleLock(lock: string, holder: number | undefined, dataDir: string) {
  const aside = `${lock}.${process.pid}.stale`;
  try {
    renameSync(lock, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // Someone else cleared it.
    throw error;
  }
  const moved = readPid(aside);
  try {
    if (moved !== holder && moved !== undefined && isAlive(moved)) {
      try {
        linkSync(aside, lock);
      } catch {
        // Yet another process holds it now; either way the directory is taken.
      }
      throw inUse(dataDir, moved);
    }
  } finally {
    unlinkSync(aside);
  }
}

function releaseLock(lock: string) {
  try {
    if (readPid(lock) === process.pid) unlinkSync(lock);
  } catch {
    // Already gone.
  }
}

const inUse = (dataDir: string, pid: number) =>
  new StartupError(`Data directory ${dataDir} is used by another gateway process (pid ${pid}).`);

/** The pid in a lock file, or undefined when it is unreadable or not a pid (a lock nobody holds). */
function readPid(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether another process with this pid runs (this process's own pid is a lock from an earlier life). */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `host` accepts connections from this machine only. */
export function isLoopback(host: string): boolean {
  const address = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return (
    address === 'localhost' || address === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)
  );
}

/**
 * Safe by default: with access control off, anyone who reaches the port may read and change every
 * job and have the gateway run commands, so a non-loopback address is refused unless a layer in
 * front is said to authenticate. Returns the warnings to print at start for settings that are
 * allowed but risky.
 */
export function checkExposure(host: string, auth: AccessSettings): string[] {
  const warnings: string[] = [];
  if (!auth.enabled && !isLoopback(host)) {
    if (!auth.allowUnauthenticatedNetwork) {
      throw new StartupError(
        `Refusing to listen on ${host} with access control off (NMP_AUTH_ENABLED is not true): anyone who can reach it could change every job and run commands on this host. Set NMP_AUTH_ENABLED=true, or HOST=127.0.0.1, or NMP_AUTH_ALLOW_UNAUTHENTICATED_NETWORK=true if a layer in front authenticates every request.`,
      );
    }
    warnings.push(
      `WARNING: access control is off (NMP_AUTH_ENABLED is not true) and the gateway listens on ${host} (NMP_AUTH_ALLOW_UNAUTHENTICATED_NETWORK=true): only a layer in front that authenticates keeps anyone who reaches it from changing every job and running commands on this host.`,
    );
  }
  if (auth.enabled && auth.allowUnsignedJwt) {
    warnings.push(
      'WARNING: NMP_AUTH_ALLOW_UNSIGNED_JWT=true: unsigned (alg: none) tokens are accepted, so anyone can claim any identity; for local development only.',
    );
  }
  return warnings;
}
