/** Gateway processes in tests run the built server, as `npm start` does: build it once per test run. */
import { execFileSync } from 'node:child_process';
import { root } from './process.js';

export default function buildGateway() {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
}
