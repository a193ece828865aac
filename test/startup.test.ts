/**
 * Start-up failures are one clear line, first, exit code 1, before the database is opened: a busy
 * port, a data directory another gateway process uses. A lock left by a dead process is taken over.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from './support/gateway.js';
import { runGatewayProcess, startGatewayProcess, PROCESS_TEST_MS } from './support/process.js';

describe('start-up failures', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'jobs-gateway-startup-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  describe('a port another process listens on', () => {
    let squatter: Server;
    let port: number;
    beforeAll(async () => {
      squatter = createServer();
      await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
      port = (squatter.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => squatter.close(() => resolve())));

    it('is one line naming the port, exit code 1, and no database opened', async () => {
      const dataDir = join(scratch, 'never-opened');
      const result = await runGatewayProcess({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        new RegExp(`^Port ${port} on 127\\.0\\.0\\.1 is already in use \\(EADDRINUSE\\): [^\\n]+\\n$`),
      );
      expect(existsSync(dataDir)).toBe(false);
    });
  });

  it('a trusted-documents manifest that cannot be read is one line naming the variable, exit code 1', async () => {
    const notJson = join(scratch, 'persisted-documents.json');
    writeFileSync(notJson, 'not json');
    for (const [file, reason] of [
      [notJson, /is not valid JSON/],
      [join(scratch, 'missing.json'), /ENOENT/],
    ] as const) {
      const result = await runGatewayProcess({
        DATA_DIR: 'memory://',
        GRAPHQL_TRUSTED_DOCUMENTS: 'only',
        GRAPHQL_TRUSTED_DOCUMENTS_FILE: file,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`^Invalid GRAPHQL_TRUSTED_DOCUMENTS_FILE="${file}": [^\\n]+\\n$`),
      );
      expect(result.stderr).toMatch(reason);
    }
  });

  describe('a data directory', () => {
    it(
      'used by a running gateway is one line naming the other process, exit code 1',
      async () => {
        const dataDir = join(scratch, 'shared');
        const first = await startGatewayProcess({ DATA_DIR: dataDir });
        try {
          const second = await runGatewayProcess({ DATA_DIR: dataDir });
          expect(second.code).toBe(1);
          expect(second.stdout).toBe('');
          expect(second.stderr).toBe(
            `Data directory ${dataDir} is used by another gateway process (pid ${first.child.pid}).\n`,
          );
          // The first one never noticed.
          expect((await http(first.url, 'GET', '/readyz')).status).toBe(200);
        } finally {
          await first.stop();
        }
        expect(await first.exited).toBe(0);
        expect(existsSync(join(dataDir, 'gateway.pid'))).toBe(false);
      },
      PROCESS_TEST_MS,
    );

    it(
      'locked by a process that died is taken over, and freed on stop',
      async () => {
        const dataDir = join(scratch, 'stale');
        mkdirSync(dataDir);
        const dead = spawnSync(process.execPath, ['-e', '']).pid;
        writeFileSync(join(dataDir, 'gateway.pid'), `${dead}\n`);

        const gateway = await startGatewayProcess({ DATA_DIR: dataDir });
        try {
          expect(readFileSync(join(dataDir, 'gateway.pid'), 'utf8')).toBe(`${gateway.child.pid}\n`);
        } finally {
          await gateway.stop();
        }
        expect(existsSync(join(dataDir, 'gateway.pid'))).toBe(false);
      },
      PROCESS_TEST_MS,
    );
  });
});
