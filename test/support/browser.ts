/**
 * A headless Chromium for browser tests: Debian's package driven by playwright-core (npm and Debian
 * are all a test machine can reach, not Playwright's own browser download). When it is missing,
 * set-up installs it with apt-get, as root; where that cannot be done, the browser tests are
 * skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './process.js';

/** Debian's chromium, unless CHROMIUM_PATH names another. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where browser tests leave their screenshots (gitignored). */
export const ARTIFACTS = join(root, 'test-artifacts', 'browser');

export type Chromium = { executablePath: string } | { unavailable: string };

/** The Chromium to launch, installing Debian's package first when it is missing and we may. */
export function ensureChromium(): Chromium {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (existsSync(CHROMIUM)) return { executablePath: CHROMIUM };
  if (process.getuid?.() !== 0) {
    return {
      unavailable: `${CHROMIUM} is missing and installing it (apt-get install -y chromium) needs root`,
    };
  }
  if (spawnSync('apt-get', ['--version']).status !== 0) {
    return { unavailable: `${CHROMIUM} is missing and there is no apt-get to install it` };
  }
  const install = () =>
    spawnSync('apt-get', ['install', '-y', 'chromium'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      encoding: 'utf8',
    });
  let result = install();
  // A fresh machine has no package lists yet.
  if (result.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    result = install();
  }
  if (result.status !== 0) {
    const why = (result.stderr || result.stdout).trim().split('\n').at(-1) ?? '';
    return { unavailable: `apt-get install -y chromium failed: ${why}` };
  }
  if (!existsSync(CHROMIUM)) return { unavailable: `apt-get installed chromium, but not at ${CHROMIUM}` };
  return { executablePath: CHROMIUM };
}
