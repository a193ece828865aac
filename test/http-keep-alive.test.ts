/**
 * How long an idle kept-alive connection stays open is a setting: behind a proxy that keeps its own
 * idle connections to the gateway longer than the gateway does, the proxy sends requests on
 * connections the gateway is closing, and its clients get 502s.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  runGatewayProcess,
  startGatewayProcess,
  type GatewayProcess,
  PROCESS_TEST_MS,
} from './support/process.js';

/** Sends one kept-alive request on a new connection; resolves with the ms from its answer to the gateway closing the connection. */
function idleUntilClosed(url: string): Promise<{ answer: string; idleMs: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    let answeredAt = 0;
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.includes('\r\n\r\n') && !answeredAt) answeredAt = Date.now();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, idleMs: Date.now() - answeredAt }));
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`);
  });
}

describe('HTTP_KEEP_ALIVE_TIMEOUT_SECONDS', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGatewayProcess({ DATA_DIR: 'memory://', HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '7' });
  }, PROCESS_TEST_MS);
  afterAll(() => gateway?.stop());

  it('keeps an idle connection open that long, then closes it', async () => {
    const { answer, idleMs } = await idleUntilClosed(gateway.url);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toMatch(/\r\nKeep-Alive: timeout=7\r\n/i);
    // Node's default (5 s) would have closed it two seconds earlier.
    expect(idleMs).toBeGreaterThanOrEqual(6_500);
    expect(idleMs).toBeLessThan(12_000);
  });

  it(
    'out of range is one line naming the setting, exit code 1',
    async () => {
      const result = await runGatewayProcess({ DATA_DIR: 'memory://', HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '0' });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/HTTP_KEEP_ALIVE_TIMEOUT_SECONDS/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    },
    PROCESS_TEST_MS,
  );
});
