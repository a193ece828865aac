/**
 * A real OpenID Connect issuer for tests: a local HTTP server with a discovery document and a
 * JWKS, RS256 keys generated at start, and token minting with any claims, scopes and expiry.
 * It can rotate its key, sign with a key it never published, mint unsigned tokens and go down.
 *
 *   const issuer = await startOidcIssuer();
 *   const token = await issuer.mint({ email: 'alice@example.com', scope: 'jobs:read' });
 *   const settings = issuer.accessSettings({ adminEmail: 'root@example.com' });
 *   const env = issuer.environment(); // NMP_AUTH_* for a gateway process
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { defaultAccessSettings, type AccessSettings } from '../../src/access/settings.js';

export const TEST_AUDIENCE = 'jobs-gateway';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** Claims to put in a token; `undefined` drops one of the defaults (`{ email: undefined }`). */
export type TokenClaims = JWTPayload & Record<string, unknown>;

export interface MintOptions {
  /** Seconds from now until `exp`; negative for an expired token. Default 3600. */
  expiresIn?: number;
  /** Seconds from now until `nbf`, when the token should not be valid yet. */
  notBefore?: number;
  /** Sign with a key the issuer never published (same algorithm, unknown `kid`). */
  unpublishedKey?: boolean;
  /** Leave the `kid` out of the header. */
  withoutKeyId?: boolean;
}

export interface OidcIssuer {
  /** The issuer URL, as tokens carry it in `iss`. */
  url: string;
  jwksUri: string;
  /** Requests served so far, per endpoint. */
  requests: { discovery: number; jwks: number };
  /** The key id new tokens are signed with. */
  readonly currentKeyId: string;
  /** A signed token: defaults are iss, aud, sub, email, `platform:read platform:write`, 1 h. */
  mint(claims?: TokenClaims, options?: MintOptions): Promise<string>;
  /** An `alg: none` token with the same defaults. */
  mintUnsigned(claims?: TokenClaims, options?: Pick<MintOptions, 'expiresIn' | 'notBefore'>): string;
  /** Publishes a new key (new `kid`) and signs with it from now on; `dropOld` unpublishes the others. */
  rotateKey(options?: { dropOld?: boolean }): Promise<void>;
  /** While down, both endpoints answer 503. */
  setAvailable(available: boolean): void;
  /** Settings of an auth-enabled gateway that trusts this issuer. */
  accessSettings(overrides?: Partial<AccessSettings>): AccessSettings;
  /** The same as NMP_AUTH_* variables, for a gateway process. */
  environment(overrides?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = `key-${randomBytes(6).toString('hex')}`;
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export async function startOidcIssuer(): Promise<OidcIssuer> {
  let published: SigningKey[] = [await newKey()];
  let current = published[0];
  const stranger = await newKey();
  let available = true;
  const requests = { discovery: 0, jwks: 0 };

  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') {
      requests.discovery += 1;
      if (!available) return send(503, { error: 'unavailable' });
      return send(200, {
        issuer: url,
        jwks_uri: `${url}/jwks`,
        authorization_endpoint: `${url}/authorize`,
        token_endpoint: `${url}/token`,
        device_authorization_endpoint: `${url}/device`,
        userinfo_endpoint: `${url}/userinfo`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (req.url === '/jwks') {
      requests.jwks += 1;
      if (!available) return send(503, { error: 'unavailable' });
      return send(200, { keys: published.map((key) => key.publicJwk) });
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const claimsOf = (claims: TokenClaims, options: Pick<MintOptions, 'expiresIn' | 'notBefore'>) => {
    const now = Math.floor(Date.now() / 1000);
    const merged: TokenClaims = {
      iss: url,
      aud: TEST_AUDIENCE,
      sub: 'user-1',
      email: 'user-1@example.com',
      scope: 'platform:read platform:write',
      iat: now,
      exp: now + (options.expiresIn ?? 3600),
      ...(options.notBefore !== undefined ? { nbf: now + options.notBefore } : {}),
      ...claims,
    };
    return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
  };

  return {
    url,
    jwksUri: `${url}/jwks`,
    requests,
    get currentKeyId() {
      return current.kid;
    },
    async mint(claims = {}, options = {}) {
      const key = options.unpublishedKey ? stranger : current;
      const header = options.withoutKeyId ? { alg: 'RS256' } : { alg: 'RS256', kid: key.kid };
      return new SignJWT(claimsOf(claims, options)).setProtectedHeader(header).sign(key.privateKey);
    },
    mintUnsigned(claims = {}, options = {}) {
      return new UnsecuredJWT(claimsOf(claims, options)).encode();
    },
    async rotateKey({ dropOld = false } = {}) {
      current = await newKey();
      published = dropOld ? [current] : [...published, current];
    },
    setAvailable(value) {
      available = value;
    },
    accessSettings(overrides = {}) {
      return {
        ...defaultAccessSettings,
        enabled: true,
        ...overrides,
        oidc: { ...defaultAccessSettings.oidc, issuer: url, audience: TEST_AUDIENCE, ...overrides.oidc },
      };
    },
    environment(overrides = {}) {
      return {
        NMP_AUTH_ENABLED: 'true',
        NMP_AUTH_OIDC__ISSUER: url,
        NMP_AUTH_OIDC__AUDIENCE: TEST_AUDIENCE,
        ...overrides,
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
