/**
 * Safe start: with access control off, the gateway listens on loopback only, unless told that a
 * layer in front authenticates (then it warns); accepting unsigned tokens is announced at start.
 * Through the real process, as a user starts it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from './support/gateway.js';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.js';
import { runGatewayProcess, startGatewayProcess, PROCESS_TEST_MS } from './support/process.js';

const IN_MEMORY = { DATA_DIR: 'memory://' };

describe('start-up with access control off', () => {
  it.each(['0.0.0.0', '::'])(
    'refuses HOST=%s in one line naming the variables, exit code 1',
    async (host) => {
      const result = await runGatewayProcess({ ...IN_MEMORY, HOST: host, NMP_AUTH_ENABLED: 'false' });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.split('\n')).toEqual([expect.any(String), '']);
      expect(result.stderr).toContain(`Refusing to listen on ${host}`);
      expect(result.stderr).toContain('NMP_AUTH_ENABLED');
      expect(result.stderr).toContain('NMP_AUTH_ALLOW_UNAUTHENTICATED_NETWORK=true');
    },
  );

  it(
    'listens on every interface with NMP_AUTH_ALLOW_UNAUTHENTICATED_NETWORK=true, and warns first',
    async () => {
      const gateway = await startGatewayProcess({
        ...IN_MEMORY,
        HOST: '0.0.0.0',
        NMP_AUTH_ALLOW_UNAUTHENTICATED_NETWORK: 'true',
      });
      try {
        const [warning] = gateway.output.split('\n');
        expect(warning).toMatch(
          / WARNING: access control is off .*0\.0\.0\.0.*NMP_AUTH_ALLOW_UNAUTHENTICATED_NETWORK=true/,
        );
        const port = new URL(gateway.url).port;
        expect(
          (await http(`http://127.0.0.1:${port}`, 'GET', '/apis/jobs/v2/workspaces/default/jobs')).status,
        ).toBe(200);
      } finally {
        await gateway.stop();
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    'listens on loopback without a word about access',
    async () => {
      const gateway = await startGatewayProcess({ ...IN_MEMORY, HOST: '127.0.0.1' });
      try {
        expect(gateway.output).not.toMatch(/WARNING|NMP_AUTH/);
      } finally {
        await gateway.stop();
      }
    },
    PROCESS_TEST_MS,
  );
});

describe('start-up with access control on', () => {
  let issuer: OidcIssuer;
  beforeAll(async () => {
    issuer = await startOidcIssuer();
  });
  afterAll(() => issuer?.close());

  it(
    'listens on every interface, and refuses requests without a token',
    async () => {
      const gateway = await startGatewayProcess({ ...IN_MEMORY, HOST: '0.0.0.0', ...issuer.environment() });
      try {
        expect(gateway.output).not.toMatch(/WARNING/);
        const port = new URL(gateway.url).port;
        const res = await http(`http://127.0.0.1:${port}`, 'GET', '/apis/jobs/v2/workspaces/default/jobs');
        expect(res.status).toBe(401);
      } finally {
        await gateway.stop();
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    'warns when unsigned tokens are accepted, and accepts them',
    async () => {
      const gateway = await startGatewayProcess({
        ...IN_MEMORY,
        ...issuer.environment({ NMP_AUTH_ALLOW_UNSIGNED_JWT: 'true' }),
      });
      try {
        expect(gateway.output.split('\n')[0]).toMatch(/ WARNING: NMP_AUTH_ALLOW_UNSIGNED_JWT=true: unsigned/);
        const token = issuer.mintUnsigned({ email: 'dev@example.com' });
        const res = await http(gateway.url, 'GET', '/apis/jobs/v2/workspaces/default/jobs', undefined, {
          authorization: `Bearer ${token}`,
        });
        expect(res.status).toBe(200);
      } finally {
        await gateway.stop();
      }
    },
    PROCESS_TEST_MS,
  );
});
