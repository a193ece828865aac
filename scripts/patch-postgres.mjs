/**
 * Runs after `npm install` / `npm ci`: mends a defect of postgres.js 3.4.9 that can end the
 * process when a connection closes (PostgreSQL restarting, a backend terminated). Small writes are
 * deferred to a `setImmediate`; when the connection closed in between, the deferred write runs on
 * a null socket and throws where no caller can catch it, and the connection's write state is left
 * set, so everything later written on that connection is never sent. Here the deferred write fails
 * the connection's queries with CONNECTION_CLOSED instead, and closing resets the write state.
 * Upstream: porsager/postgres issues 1066, 1154 and 1208. Each edit applies once; if the code is
 * not as expected (another version), it stops the install so the defect is looked at again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const MARK = '/* jobs-gateway: guarded nextWrite */';
const edits = [
  {
    from: '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    to:
      `  function nextWrite(fn) { ${MARK}\n` +
      '    if (!socket) {\n' +
      '      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n' +
      '      chunk = nextWriteTimer = null\n' +
      "      error(Errors.connection('CONNECTION_CLOSED', options))\n" +
      '      return false\n' +
      '    }\n' +
      '    const x = socket.write(chunk, fn)',
  },
  {
    // In closed(): a write pending on the old socket is not for the next one.
    from: '    incomings = null\n    clearImmediate(nextWriteTimer)\n',
    to: '    incomings = null\n    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n',
  },
];

const root = fileURLToPath(new URL('../node_modules/postgres', import.meta.url));
for (const file of ['src/connection.js', 'cjs/src/connection.js'].map((f) => join(root, f))) {
  let text = readFileSync(file, 'utf8');
  if (text.includes(MARK)) continue;
  for (const { from, to } of edits) {
    if (!text.includes(from)) {
      throw new Error(
        `scripts/patch-postgres.mjs: ${file} is not the postgres.js it mends; check the defect again.`,
      );
    }
    text = text.replace(from, to);
  }
  writeFileSync(file, text);
}
