/**
 * Bearer tokens to principals. A signed token must come from an accepted issuer, be signed by one
 * of its published keys with an asymmetric algorithm, carry an expiry, be within its validity
 * period (give or take a little clock skew) and, when an audience is configured, name it. An
 * unsigned (`alg: none`) token passes only when the settings allow them, with the same claim
 * checks. Every failure is an AuthenticationError of its own kind; an unreachable identity
 * provider is an IdentityProviderUnavailableError.
 */
import {
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  UnsecuredJWT,
  type JWTClaimVerificationOptions,
  type JWTPayload,
} from 'jose';
import { AuthenticationError, IdentityProviderUnavailableError } from './errors.js';
import { EVERYONE } from './policy.js';
import type { Principal } from './principal.js';
import type { AccessSettings } from './settings.js';
import { SigningKeys, type SigningKeysOptions } from './signing-keys.js';

/** Asymmetric only: a shared-secret algorithm would let anyone holding the public key sign. */
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** Seconds of clock skew between the gateway and the identity provider that are forgiven. */
const CLOCK_TOLERANCE_SECONDS = 30;

export interface TokenVerifierOptions {
  now?: () => number;
  /** Tuning of the key cache (cooldowns, timeouts). */
  keys?: Omit<SigningKeysOptions, 'issuer' | 'jwksUri' | 'now'>;
}

/** The token in an `Authorization: Bearer <token>` header value. */
export function bearerToken(authorization: string | null | undefined): string {
  if (!authorization?.trim()) throw new AuthenticationError('missing');
  const match = /^Bearer +(\S+)$/i.exec(authorization.trim());
  if (!match) {
    throw new AuthenticationError('malformed', "The Authorization header must be 'Bearer <token>'.");
  }
  return match[1]!;
}

/** How long a verified token is believed without checking its signature again. */
const VERIFIED_TOKEN_TTL_MS = 60_000;
/** Verified tokens remembered at most; the oldest are forgotten first. */
const MAX_VERIFIED_TOKENS = 10_000;

export class TokenVerifier {
  /** Absent when no issuer is configured (only unsigned tokens, for local use). */
  readonly keys?: SigningKeys;
  private readonly issuers: string[];
  private readonly verified = new Map<string, { principal: Principal; until: number; generation?: number }>();
  private readonly now: () => number;

  constructor(
    private readonly settings: Pick<AccessSettings, 'oidc' | 'allowUnsignedJwt'>,
    options: TokenVerifierOptions = {},
  ) {
    const { issuer, additionalIssuers, jwksUri } = settings.oidc;
    this.now = options.now ?? Date.now;
    this.issuers = issuer ? [issuer, ...additionalIssuers] : [];
    if (issuer) this.keys = new SigningKeys({ ...options.keys, issuer, jwksUri, now: this.now });
  }

  async verify(token: string): Promise<Principal> {
    const now = this.now();
    const known = this.verified.get(token);
    if (known && now < known.until && known.generation === this.keys?.generation) return known.principal;
    let payload: JWTPayload;
    try {
      payload = await this.checkedClaims(token);
    } catch (error) {
      throw asAuthenticationFailure(error);
    }
    const principal = this.principal(payload);
    this.remember(token, principal, now);
    return principal;
  }

  /**
   * A client sends the same token with every request; checking its signature each time cost about
   * as much as the rest of a pause. A verified token is taken at its word again until it expires,
   * for at most VERIFIED_TOKEN_TTL_MS, and only while the key set it was checked against is current.
   */
  private remember(token: string, principal: Principal, now: number) {
    if (principal.expiresAt === undefined) return;
    const until = Math.min(principal.expiresAt.getTime(), now + VERIFIED_TOKEN_TTL_MS);
    this.verified.delete(token);
    this.verified.set(token, { principal, until, generation: this.keys?.generation });
    if (this.verified.size > MAX_VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
  }

  private async checkedClaims(token: string): Promise<JWTPayload> {
    if (token.split('.').length !== 3) throw new AuthenticationError('malformed');
    const header = decodeProtectedHeader(token);
    const claimChecks: JWTClaimVerificationOptions = {
      issuer: this.issuers.length > 0 ? this.issuers : undefined,
      audience: this.settings.oidc.audience,
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: new Date(this.now()),
    };
    if (header.alg === 'none') {
      if (!this.settings.allowUnsignedJwt) throw new AuthenticationError('unsigned_not_allowed');
      return UnsecuredJWT.decode(token, claimChecks).payload;
    }
    // The issuer is checked before any key is looked up: a stranger's token never reaches the provider.
    const { iss } = decodeJwt(token);
    if (!this.keys || typeof iss !== 'string' || !this.issuers.includes(iss)) {
      throw new AuthenticationError('wrong_issuer');
    }
    const options = { ...claimChecks, algorithms: ALGORITHMS };
    try {
      return (await jwtVerify(token, this.keys.keyFor, options)).payload;
    } catch (error) {
      // Several published keys fit a token without a key id: it must verify with one of them.
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
      for await (const key of error) {
        try {
          return (await jwtVerify(token, key, options)).payload;
        } catch (attempt) {
          if (!(attempt instanceof errors.JWSSignatureVerificationFailed)) throw attempt;
        }
      }
      throw new AuthenticationError('bad_signature');
    }
  }

  private principal(payload: JWTPayload): Principal {
    const { emailClaim, subjectClaim, scopePrefix } = this.settings.oidc;
    const email = nonEmptyString(payload[emailClaim]);
    const subject = nonEmptyString(payload[subjectClaim]);
    const id = email ?? subject;
    // `*` is everyone in a role binding, never one principal's name.
    if (!id || id === EVERYONE) throw new AuthenticationError('no_principal');
    return {
      kind: 'authenticated',
      id,
      subject,
      email,
      scopes: scopesOf(payload, scopePrefix),
      expiresAt: new Date(payload.exp! * 1000),
    };
  }
}

const nonEmptyString = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** Scopes from `scope` (a space-separated string) and `scp` (a string or an array), prefix stripped. */
function scopesOf(payload: JWTPayload, prefix: string | undefined): string[] {
  const scopes = [payload.scope, payload.scp].flatMap((claim) => {
    if (typeof claim === 'string') return claim.split(/\s+/);
    if (Array.isArray(claim)) return claim.filter((s): s is string => typeof s === 'string');
    return [];
  });
  const stripped = scopes
    .filter(Boolean)
    .map((s) => (prefix && s.startsWith(prefix) ? s.slice(prefix.length) : s));
  return [...new Set(stripped)];
}

function asAuthenticationFailure(error: unknown): AuthenticationError | IdentityProviderUnavailableError {
  if (error instanceof AuthenticationError || error instanceof IdentityProviderUnavailableError) return error;
  if (error instanceof errors.JWTExpired) return new AuthenticationError('expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return new AuthenticationError('not_yet_valid');
    if (error.claim === 'iss') return new AuthenticationError('wrong_issuer');
    if (error.claim === 'aud') return new AuthenticationError('wrong_audience');
    if (error.claim === 'exp')
      return new AuthenticationError('malformed', "The token has no valid expiry ('exp').");
    return new AuthenticationError('malformed');
  }
  if (error instanceof errors.JWKSNoMatchingKey) return new AuthenticationError('unknown_key');
  if (error instanceof errors.JWSSignatureVerificationFailed) return new AuthenticationError('bad_signature');
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new AuthenticationError('unsupported_algorithm');
  }
  return new AuthenticationError('malformed');
}
