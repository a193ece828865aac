/**
 * Runs after `npm install` / `npm ci`: mends defects of postgres.js 3.4.9, three that show when a
 * connection closes (PostgreSQL restarting, a backend terminated) or a query fails part-way
 * through its rows, and one in its pool's queues; gives its connections a deadline for answers;
 * finds a prepared statement without hashing its whole text on every query; and decodes a row's
 * text values with one call instead of one per value.
 *
 * 1. Small writes are deferred to a `setImmediate`; when the connection closed in between, the
 *    deferred write runs on a null socket and throws where no caller can catch it, and the
 *    connection's write state is left set, so everything later written on that connection is never
 *    sent. Here the deferred write fails the connection's queries with CONNECTION_CLOSED instead,
 *    and closing resets the write state. Upstream: porsager/postgres issues 1066, 1154 and 1208.
 * 2. The count of rows read so far is reset only when a query completes. After a query that
 *    failed part-way through its rows (a backend terminated mid-result, a statement cancelled), the
 *    next query on that connection, even after a reconnect, answered with that many empty slots
 *    before its own rows. Here the count is reset whenever the server is ready for a query.
 *    Upstream: porsager/postgres issues 1119 and 1181.
 * 3. The server's last error on a connection outlived the connection: the first query on the
 *    reconnected connection failed with it ("terminating connection due to administrator command").
 *    Here closing forgets it.
 * 4. The pool's queues never shrink while they are not empty: taking a connection from the front
 *    leaves an empty slot behind, and the array is reset only once the queue is empty. A pool
 *    whose connections are never all busy at once (a gateway that is not saturated) keeps idle
 *    connections in its `open` queue forever, so the array grew by one slot per query (80,010
 *    slots for 10 connections after 80,000 queries), and every query scanned all of it, for a
 *    connection it had already taken. Here the front is dropped once it is half the array, and a
 *    removal looks only at what is still queued.
 * 5. A connection waits for an answer as long as the kernel keeps the socket: on a network that
 *    drops packets silently (a database host that vanished without closing its connections), a
 *    query sent on an established connection waited about 15 minutes (Linux's retransmissions),
 *    and the pool sent later queries to the same dead connections. Here an option of the gateway's,
 *    `reply_timeout` (seconds, off by default), ends a connection that has owed an answer for that
 *    long without a byte from the server: its queries fail with REPLY_TIMEOUT or CONNECTION_CLOSED
 *    and the pool connects afresh. Not for COPY or LISTEN connections, which wait by design.
 * 6. A prepared statement is found by its text joined to its parameters' types, a string built
 *    again for every query: finding it hashed the whole text each time (3 KB for a status change),
 *    about 43,000 instructions of a REST pause's 700,000 (callgrind). Here each connection keeps
 *    that key once per text and types, so a text the gateway passes again (its statements are
 *    written once) finds its key by the hash the text already carries. The keys are bounded like
 *    the statements themselves: by the texts a process prepares, and forgotten past 1,000 texts.
 * 7. Each text value of a row was decoded by its own `Buffer#toString('utf8', …)`, a call into
 *    C++ per value: 34 of them for a row of a job with its step, about a tenth of the instructions
 *    of a page of 50 jobs (callgrind). Here a row's message is decoded once as Latin-1 (one call),
 *    and a value whose bytes are all ASCII, where Latin-1 and UTF-8 read the same, is a slice of
 *    it; any other value is decoded as UTF-8 as before.
 *
 * Each edit applies once; if the code is neither as expected nor already mended (another version),
 * it stops the install so the defects are looked at again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const MARK = '/* jobs-gateway: guarded nextWrite */';
const connectionEdits = [
  // 6. The prepared statement's key, kept per text and types.
  {
    from: '    , statements = {}\n',
    to: '    , statements = {}\n    , signatures = new Map() /* jobs-gateway: statement keys */\n',
  },
  {
    from: '    q.signature = q.prepare && types + string\n',
    to: '    q.signature = q.prepare && signatureOf(types, string) /* jobs-gateway: statement keys */\n',
  },
  {
    from: '  function build(q) {\n',
    to:
      '  function signatureOf(types, string) { /* jobs-gateway: statement keys */\n' +
      "    const key = types + ''\n" +
      '    let byTypes = signatures.get(string)\n' +
      '    byTypes || (signatures.size >= 1000 && signatures.clear(), signatures.set(string, byTypes = new Map()))\n' +
      '    let signature = byTypes.get(key)\n' +
      '    signature === undefined && byTypes.set(key, signature = key + string)\n' +
      '    return signature\n' +
      '  }\n\n' +
      '  function build(q) {\n',
  },
  // 7. A row's text values: ASCII ones sliced from the row decoded once. The row's text is declared
  // with the connection's other state (the functions come after the connection is returned, so a
  // declaration among them would never run).
  {
    from: '    , statements = {}\n',
    to: '    , rowText = null /* jobs-gateway: row text */\n    , statements = {}\n',
  },
  {
    from: '  function DataRow(x) {\n    let index = 7\n',
    to:
      '  function text(x, start, end) { /* jobs-gateway: row text */\n' +
      '    for (let i = start; i < end; i++)\n' +
      "      if (x[i] > 127) return x.toString('utf8', start, end)\n" +
      "    return (rowText === null ? (rowText = x.toString('latin1')) : rowText).slice(start, end)\n" +
      '  }\n\n' +
      '  function DataRow(x) {\n    let index = 7\n    rowText = null /* jobs-gateway: row text */\n',
  },
  {
    from:
      "          : column.parser === undefined\n            ? x.toString('utf8', index, index += length)\n" +
      "            : column.parser.array === true\n              ? column.parser(x.toString('utf8', index + 1, index += length))\n" +
      "              : column.parser(x.toString('utf8', index, index += length))\n",
    to:
      '          : column.parser === undefined\n            ? text(x, index, index += length) /* jobs-gateway: row text */\n' +
      '            : column.parser.array === true\n              ? column.parser(text(x, index + 1, index += length))\n' +
      '              : column.parser(text(x, index, index += length))\n',
  },
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
  {
    // In ReadyForQuery(): the next query's rows start at 0, whatever became of the last one.
    from: '    query = results = errorResponse = null\n    result = new Result()\n',
    to:
      '    query = results = errorResponse = null\n    result = new Result()\n' +
      '    rows = 0 /* jobs-gateway: row count reset */\n',
  },
  {
    // In closed(): the old connection's error is not the next one's.
    from: '    socket.removeAllListeners()\n    socket = null\n',
    to:
      '    socket.removeAllListeners()\n    socket = null\n' +
      '    errorResponse = null /* jobs-gateway: error forgotten on close */\n',
  },
  // 5. The reply deadline: a query sent when none was owed starts the silence, every byte in ends
  // it, and a watch each quarter of the deadline ends a connection that still owes an answer after
  // a whole one (a timestamp per read, not a timer reset per read, on the busiest path).
  {
    from: '      , connectTimer = timer(connectTimedOut, options.connect_timeout)\n',
    to:
      '      , connectTimer = timer(connectTimedOut, options.connect_timeout)\n' +
      '  let owed = false, lastHeard = 0, replyWatch = null /* jobs-gateway: reply deadline */\n',
  },
  {
    from: '      build(q)\n      return write(toBuffer(q))\n',
    to:
      '      build(q)\n' +
      '      owed || (owed = true, lastHeard = performance.now()) /* jobs-gateway: an answer owed */\n' +
      '      return write(toBuffer(q))\n',
  },
  {
    from: '  function data(x) {\n    if (incomings) {\n',
    to:
      '  function data(x) {\n' +
      '    lastHeard = performance.now() /* jobs-gateway: the server is there */\n' +
      '    if (incomings) {\n',
  },
  {
    from: '      incoming = incoming.subarray(length + 1)\n      remaining = 0\n      incomings = null\n    }\n  }\n',
    to:
      '      incoming = incoming.subarray(length + 1)\n      remaining = 0\n      incomings = null\n    }\n' +
      '    owed && !query && !sent.length && (owed = false) /* jobs-gateway: nothing owed */\n' +
      '  }\n',
  },
  {
    from: "      lifeTimer.start()\n      socket.on('data', data)\n",
    to:
      "      lifeTimer.start()\n      socket.on('data', data)\n" +
      '      options.reply_timeout && (clearInterval(replyWatch), replyWatch = setInterval(watchReply, options.reply_timeout * 250)).unref() /* jobs-gateway */\n',
  },
  {
    from: '    lifeTimer.cancel()\n    connectTimer.cancel()\n',
    to:
      '    lifeTimer.cancel()\n    connectTimer.cancel()\n' +
      '    clearInterval(replyWatch) /* jobs-gateway: closed, nothing owed */\n    replyWatch = null\n    owed = false\n',
  },
  {
    from: "  function connectTimedOut() {\n    errored(Errors.connection('CONNECT_TIMEOUT', options, socket))\n    socket.destroy()\n  }\n",
    to:
      "  function connectTimedOut() {\n    errored(Errors.connection('CONNECT_TIMEOUT', options, socket))\n    socket.destroy()\n  }\n\n" +
      '  function watchReply() { /* jobs-gateway: no answer in time, the connection is taken for dead */\n' +
      '    if (!owed || performance.now() - lastHeard < options.reply_timeout * 1000)\n' +
      '      return\n' +
      "    error(Errors.connection('REPLY_TIMEOUT', options, socket))\n" +
      '    socket && socket.destroy()\n' +
      '  }\n',
  },
];

// The option, carried like postgres.js's own (unknown options are dropped).
const optionEdits = [
  {
    from: '    target_session_attrs: null\n  }\n',
    to: '    target_session_attrs: null,\n    reply_timeout   : null /* jobs-gateway: reply deadline */\n  }\n',
  },
];

const queueEdits = [
  {
    // In remove(): the slots before `index` are empty.
    from:
      '    remove: (x) => {\n      const index = xs.indexOf(x)\n      return index === -1\n' +
      '        ? null\n        : (xs.splice(index, 1), x)\n',
    to:
      '    remove: (x) => {\n      const at = xs.indexOf(x, index) /* jobs-gateway: queued part only */\n' +
      '      return at === -1\n        ? null\n        : (xs.splice(at, 1), x)\n',
  },
  {
    // In shift(): once the emptied front is half the array, drop it.
    from: '      } else {\n        xs[index - 1] = undefined\n      }\n',
    to:
      '      } else if (index >= 64 && index * 2 >= xs.length) { /* jobs-gateway: front dropped */\n' +
      '        xs = xs.slice(index)\n' +
      '        index = 0\n' +
      '      } else {\n        xs[index - 1] = undefined\n      }\n',
  },
];

const root = fileURLToPath(new URL('../node_modules/postgres', import.meta.url));
const files = [
  ['src/connection.js', connectionEdits],
  ['cjs/src/connection.js', connectionEdits],
  ['src/queue.js', queueEdits],
  ['cjs/src/queue.js', queueEdits],
  ['src/index.js', optionEdits],
  ['cjs/src/index.js', optionEdits],
];
for (const [path, edits] of files) {
  const file = join(root, path);
  let text = readFileSync(file, 'utf8');
  for (const { from, to } of edits) {
    if (text.includes(to)) continue;
    if (!text.includes(from)) {
      throw new Error(
        `scripts/patch-postgres.mjs: ${file} is not the postgres.js it mends; check the defects again.`,
      );
    }
    text = text.replace(from, to);
  }
  writeFileSync(file, text);
}
