/** Bearer tokens checked against a real OIDC issuer over HTTP: every way a token can be refused. */
import { SignJWT, base64url } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  IdentityProviderUnavailableError,
  type AuthenticationFailure,
} from '../src/access/errors.js';
import { bearerToken, TokenVerifier } from '../src/access/tokens.js';
import type { AccessSettings } from '../src/access/settings.js';
import { startOidcIssuer, TEST_AUDIENCE, type OidcIssuer } from './support/oidc-issuer.js';

let issuer: OidcIssuer;
beforeAll(async () => {
  issuer = await startOidcIssuer();
});
afterAll(async () => {
  await issuer?.close();
});

/** A clock the test moves by hand: cooldowns pass without waiting. */
function manualClock() {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms: number) => (offset += ms) };
}

function verifierFor(settings: Partial<AccessSettings> = {}, clock = manualClock()) {
  return new TokenVerifier(issuer.accessSettings(settings), { now: clock.now });
}

async function refusal(verifier: TokenVerifier, token: string): Promise<unknown> {
  try {
    await verifier.verify(token);
  } catch (error) {
    return error;
  }
  throw new Error('the token was accepted');
}

async function expectRefused(verifier: TokenVerifier, token: string, failure: AuthenticationFailure) {
  const error = await refusal(verifier, token);
  expect(error).toBeInstanceOf(AuthenticationError);
  expect((error as AuthenticationError).failure).toBe(failure);
  // The message is safe to show: no part of the token comes back.
  for (const part of token.split('.').filter((p) => p.length > 8)) {
    expect((error as Error).message).not.toContain(part);
  }
  return error as AuthenticationError;
}

describe('a valid token', () => {
  it('names the principal by its email, with subject, scopes and expiry', async () => {
    const token = await issuer.mint({ sub: 'u-42', email: 'alice@example.com', scope: 'jobs:read openid' });
    const principal = await verifierFor().verify(token);
    expect(principal).toMatchObject({
      kind: 'authenticated',
      id: 'alice@example.com',
      subject: 'u-42',
      email: 'alice@example.com',
      scopes: ['jobs:read', 'openid'],
    });
    expect(principal.expiresAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it('falls back to the subject when there is no email claim', async () => {
    const token = await issuer.mint({ sub: 'service-7', email: undefined });
    expect((await verifierFor().verify(token)).id).toBe('service-7');
  });

  it('reads the configured claims (upn as email, oid as subject)', async () => {
    const verifier = verifierFor({
      oidc: { ...issuer.accessSettings().oidc, emailClaim: 'upn', subjectClaim: 'oid' },
    });
    const token = await issuer.mint({ upn: 'bob@corp.example', oid: 'o-1', email: 'other@example.com' });
    expect(await verifier.verify(token)).toMatchObject({ id: 'bob@corp.example', subject: 'o-1' });
  });

  it('is accepted from an additional issuer signed with the same keys', async () => {
    const other = 'https://sts.example.com/tenant/';
    const verifier = verifierFor({ oidc: { ...issuer.accessSettings().oidc, additionalIssuers: [other] } });
    expect((await verifier.verify(await issuer.mint({ iss: other }))).id).toBe('user-1@example.com');
  });

  it('is accepted whatever its audience when none is configured', async () => {
    const verifier = verifierFor({ oidc: { ...issuer.accessSettings().oidc, audience: undefined } });
    expect((await verifier.verify(await issuer.mint({ aud: 'someone-else' }))).id).toBe('user-1@example.com');
  });

  it('is accepted a few seconds after its expiry (clock skew)', async () => {
    expect((await verifierFor().verify(await issuer.mint({}, { expiresIn: -10 }))).id).toBeDefined();
  });

  it('verifies without a key id when several keys are published', async () => {
    const local = await startOidcIssuer();
    try {
      await local.rotateKey();
      const verifier = new TokenVerifier(local.accessSettings(), {});
      const principal = await verifier.verify(
        await local.mint({ email: 'k@example.com' }, { withoutKeyId: true }),
      );
      expect(principal.id).toBe('k@example.com');
    } finally {
      await local.close();
    }
  });
});

describe('scopes', () => {
  it('come from a space-separated scope claim and from scp as a string or an array', async () => {
    const verifier = verifierFor();
    const fromScope = await verifier.verify(await issuer.mint({ scope: 'jobs:read  jobs:write' }));
    expect(fromScope.scopes).toEqual(['jobs:read', 'jobs:write']);
    const fromScpString = await verifier.verify(
      await issuer.mint({ scope: undefined, scp: 'platform:read' }),
    );
    expect(fromScpString.scopes).toEqual(['platform:read']);
    const fromScpArray = await verifier.verify(
      await issuer.mint({ scope: undefined, scp: ['platform:read', 'jobs:write'] }),
    );
    expect(fromScpArray.scopes).toEqual(['platform:read', 'jobs:write']);
  });

  it('lose the configured prefix', async () => {
    const verifier = verifierFor({ oidc: { ...issuer.accessSettings().oidc, scopePrefix: 'api://nmp/' } });
    const token = await issuer.mint({
      scope: undefined,
      scp: 'api://nmp/platform:read api://nmp/jobs:write openid',
    });
    expect((await verifier.verify(token)).scopes).toEqual(['platform:read', 'jobs:write', 'openid']);
  });

  it('are empty when the token has none', async () => {
    expect((await verifierFor().verify(await issuer.mint({ scope: undefined }))).scopes).toEqual([]);
  });
});

describe('a refused token', () => {
  it('is missing when there is no Authorization header, malformed when it is not Bearer', () => {
    for (const header of [undefined, null, '', '   ']) {
      expect(() => bearerToken(header)).toThrow(expect.objectContaining({ failure: 'missing' }));
    }
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'token']) {
      expect(() => bearerToken(header)).toThrow(expect.objectContaining({ failure: 'malformed' }));
    }
    expect(bearerToken('bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(new AuthenticationError('missing').challenge).toBe('Bearer');
    expect(new AuthenticationError('expired').challenge).toBe(
      'Bearer error="invalid_token", error_description="The token has expired."',
    );
  });

  it('is malformed when it is not a JWT', async () => {
    const verifier = verifierFor();
    for (const token of ['not-a-jwt', 'a.b.c', 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln', 'a.b.c.d.e']) {
      await expectRefused(verifier, token, 'malformed');
    }
  });

  it('is expired after its expiry', async () => {
    const error = await expectRefused(verifierFor(), await issuer.mint({}, { expiresIn: -3600 }), 'expired');
    expect(error.message).toBe('The token has expired.');
  });

  it('is not yet valid before its nbf', async () => {
    await expectRefused(verifierFor(), await issuer.mint({}, { notBefore: 3600 }), 'not_yet_valid');
  });

  it('has no expiry: refused as malformed', async () => {
    await expectRefused(verifierFor(), await issuer.mint({ exp: undefined }), 'malformed');
  });

  it('comes from an issuer that is not configured, and costs no key fetch', async () => {
    const verifier = verifierFor();
    const before = issuer.requests.jwks;
    await expectRefused(verifier, await issuer.mint({ iss: 'https://evil.example.com' }), 'wrong_issuer');
    await expectRefused(verifier, await issuer.mint({ iss: undefined }), 'wrong_issuer');
    expect(issuer.requests.jwks).toBe(before);
  });

  it('is meant for another audience', async () => {
    await expectRefused(verifierFor(), await issuer.mint({ aud: 'another-service' }), 'wrong_audience');
    await expectRefused(verifierFor(), await issuer.mint({ aud: undefined }), 'wrong_audience');
    expect((await verifierFor().verify(await issuer.mint({ aud: ['x', TEST_AUDIENCE] }))).id).toBeDefined();
  });

  it('is signed with a key the issuer does not publish', async () => {
    await expectRefused(verifierFor(), await issuer.mint({}, { unpublishedKey: true }), 'unknown_key');
  });

  it('has a signature that does not match its content', async () => {
    const [header, , signature] = (await issuer.mint({ email: 'alice@example.com' })).split('.');
    const forged = base64url.encode(
      JSON.stringify({
        iss: issuer.url,
        aud: TEST_AUDIENCE,
        email: 'root@example.com',
        exp: Math.floor(Date.now() / 1000) + 3600,
      }),
    );
    await expectRefused(verifierFor(), `${header}.${forged}.${signature}`, 'bad_signature');
  });

  it('uses a shared-secret algorithm', async () => {
    const token = await new SignJWT({ iss: issuer.url, aud: TEST_AUDIENCE, email: 'x@example.com' })
      .setProtectedHeader({ alg: 'HS256', kid: issuer.currentKeyId })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a secret anyone could guess, 32+ bytes long'));
    await expectRefused(verifierFor(), token, 'unsupported_algorithm');
  });

  it('names no principal', async () => {
    await expectRefused(
      verifierFor(),
      await issuer.mint({ email: undefined, sub: undefined }),
      'no_principal',
    );
    await expectRefused(verifierFor(), await issuer.mint({ email: '*' }), 'no_principal');
  });
});

describe('unsigned tokens', () => {
  it('are refused unless allowed', async () => {
    await expectRefused(
      verifierFor(),
      issuer.mintUnsigned({ email: 'dev@example.com' }),
      'unsigned_not_allowed',
    );
  });

  it('pass when allowed, with their claims still checked', async () => {
    const verifier = verifierFor({ allowUnsignedJwt: true });
    expect((await verifier.verify(issuer.mintUnsigned({ email: 'dev@example.com' }))).id).toBe(
      'dev@example.com',
    );
    await expectRefused(verifier, issuer.mintUnsigned({}, { expiresIn: -3600 }), 'expired');
    await expectRefused(
      verifier,
      issuer.mintUnsigned({ iss: 'https://elsewhere.example.com' }),
      'wrong_issuer',
    );
    await expectRefused(verifier, issuer.mintUnsigned({ aud: 'another-service' }), 'wrong_audience');
    await expectRefused(verifier, issuer.mintUnsigned({ exp: undefined }), 'malformed');
  });

  it('need no issuer when no identity provider is configured, and then only they pass', async () => {
    const verifier = new TokenVerifier({
      allowUnsignedJwt: true,
      oidc: { ...issuer.accessSettings().oidc, issuer: undefined, audience: undefined },
    });
    expect((await verifier.verify(issuer.mintUnsigned({ iss: 'anything' }))).id).toBe('user-1@example.com');
    await expectRefused(verifier, await issuer.mint(), 'wrong_issuer');
  });
});

describe('signing keys', () => {
  let rotating: OidcIssuer;
  beforeEach(async () => {
    rotating = await startOidcIssuer();
    return () => rotating.close();
  });

  it('are discovered once and kept', async () => {
    const verifier = new TokenVerifier(rotating.accessSettings(), {});
    for (let i = 0; i < 5; i++) await verifier.verify(await rotating.mint());
    expect(rotating.requests).toEqual({ discovery: 1, jwks: 1 });
  });

  it('come from the configured JWKS URI without discovery', async () => {
    const settings = rotating.accessSettings();
    const verifier = new TokenVerifier({
      ...settings,
      oidc: { ...settings.oidc, jwksUri: rotating.jwksUri },
    });
    await verifier.verify(await rotating.mint());
    expect(rotating.requests).toEqual({ discovery: 0, jwks: 1 });
  });

  it('are refetched for an unknown key id, at most once per cooldown', async () => {
    const clock = manualClock();
    const verifier = new TokenVerifier(rotating.accessSettings(), { now: clock.now });
    const before = await rotating.mint({ email: 'before@example.com' });
    await verifier.verify(before);
    await rotating.rotateKey({ dropOld: true });
    const after = await rotating.mint({ email: 'after@example.com' });

    // Just fetched: a new key id does not send the verifier back to the issuer yet.
    await expectRefused(verifier, after, 'unknown_key');
    expect(rotating.requests.jwks).toBe(1);

    clock.advance(10_000);
    expect((await verifier.verify(after)).id).toBe('after@example.com');
    expect(rotating.requests.jwks).toBe(2);
    // The dropped key is gone for good.
    await expectRefused(verifier, before, 'unknown_key');

    // A flood of made-up key ids after the cooldown costs one fetch, not one each.
    clock.advance(10_000);
    const strangers = await Promise.all(
      Array.from({ length: 50 }, () => rotating.mint({}, { unpublishedKey: true })),
    );
    const results = await Promise.all(strangers.map((token) => refusal(verifier, token)));
    expect(results.every((e) => e instanceof AuthenticationError && e.failure === 'unknown_key')).toBe(true);
    expect(rotating.requests.jwks).toBe(3);
  });

  it('that cannot be fetched are an unavailable identity provider, asked again after a pause', async () => {
    const clock = manualClock();
    const verifier = new TokenVerifier(rotating.accessSettings(), { now: clock.now });
    const token = await rotating.mint();
    rotating.setAvailable(false);
    expect(await refusal(verifier, token)).toBeInstanceOf(IdentityProviderUnavailableError);
    const asked = rotating.requests.discovery;
    // Right after a failure the verifier answers at once instead of asking again.
    expect(await refusal(verifier, token)).toBeInstanceOf(IdentityProviderUnavailableError);
    expect(rotating.requests.discovery).toBe(asked);

    rotating.setAvailable(true);
    clock.advance(1_000);
    expect((await verifier.verify(token)).id).toBe('user-1@example.com');
  });

  it('that are known keep working while the identity provider is away', async () => {
    const clock = manualClock();
    const verifier = new TokenVerifier(rotating.accessSettings(), { now: clock.now });
    await verifier.verify(await rotating.mint());
    rotating.setAvailable(false);
    clock.advance(700_000);
    expect((await verifier.verify(await rotating.mint({ email: 'later@example.com' }))).id).toBe(
      'later@example.com',
    );
  });

  it('from an issuer nobody answers at are an unavailable identity provider', async () => {
    const gone = await startOidcIssuer();
    const settings = gone.accessSettings();
    const token = await gone.mint();
    await gone.close();
    const error = await refusal(new TokenVerifier(settings, {}), token);
    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
    expect((error as Error).message).toBe(
      'The identity provider is unavailable, so the token cannot be checked; try again shortly.',
    );
    expect((error as IdentityProviderUnavailableError).detail).toContain(gone.url);
  });
});
