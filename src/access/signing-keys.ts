/**
 * The identity provider's signing keys: found through its discovery document (or a configured
 * JWKS URI), fetched once and kept. A token signed with a key not in the set makes one refetch,
 * at most once per cooldown, so a rotated key is picked up while a flood of made-up key ids
 * cannot hammer the provider. Keys past their age are refreshed in the background and still
 * used meanwhile, so an identity provider that is briefly away does not stop known tokens.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { IdentityProviderUnavailableError } from './errors.js';
import { log } from '../observability/request-context.js';

/** The part of an OpenID Provider's discovery document the gateway uses. */
export interface OpenIdConfiguration {
  issuer?: string;
  jwks_uri: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  device_authorization_endpoint?: string;
  userinfo_endpoint?: string;
}

export interface SigningKeysOptions {
  /** The issuer whose `/.well-known/openid-configuration` names the keys. */
  issuer?: string;
  /** The keys' location, instead of discovery. */
  jwksUri?: string;
  now?: () => number;
  /** An unknown key id refetches the keys at most this often. */
  refetchCooldownMs?: number;
  /** Keys older than this are refetched (in the background). */
  maxAgeMs?: number;
  /** After a failed fetch, calls fail at once for this long instead of asking again. */
  retryAfterFailureMs?: number;
  /** How long one request to the identity provider may take. */
  timeoutMs?: number;
}

type KeySet = ReturnType<typeof createLocalJWKSet>;

export class SigningKeys {
  private readonly now: () => number;
  private readonly refetchCooldownMs: number;
  private readonly maxAgeMs: number;
  private readonly retryAfterFailureMs: number;
  private readonly timeoutMs: number;
  private configuration?: OpenIdConfiguration;
  private keys?: { set: KeySet; fetchedAt: number };
  private loading?: Promise<void>;
  /** Moves whenever the key set is fetched anew: what was verified with the old set is checked again. */
  private fetches = 0;
  private discovering?: Promise<OpenIdConfiguration>;
  private failedAt = -Infinity;
  private failure = '';

  constructor(private readonly options: SigningKeysOptions) {
    if (!options.issuer && !options.jwksUri) throw new Error('SigningKeys needs an issuer or a JWKS URI');
    this.now = options.now ?? Date.now;
    this.refetchCooldownMs = options.refetchCooldownMs ?? 10_000;
    this.maxAgeMs = options.maxAgeMs ?? 600_000;
    this.retryAfterFailureMs = options.retryAfterFailureMs ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** The key that signed a token, for jose's `jwtVerify`. */
  /** Which key set is current: it changes when the keys are fetched again. */
  get generation(): number {
    return this.fetches;
  }

  readonly keyFor: JWTVerifyGetKey = async (header, token) => {
    if (!this.keys) await this.reload();
    else if (this.now() - this.keys.fetchedAt >= this.maxAgeMs) void this.reload().catch(() => {});
    const keys = this.keys!;
    try {
      return await keys.set(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // Someone else refetched meanwhile: look again in the new set.
      if (this.keys !== keys) return this.keys!.set(header, token);
      if (this.now() - keys.fetchedAt < this.refetchCooldownMs) throw error;
      await this.reload();
      return this.keys.set(header, token);
    }
  };

  /** The provider's discovery document (fetched once), when an issuer is configured. */
  async openIdConfiguration(): Promise<OpenIdConfiguration> {
    if (this.configuration) return this.configuration;
    const { issuer } = this.options;
    if (!issuer) throw new Error('no issuer is configured');
    this.discovering ??= this.attempt(async () => {
      const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const document = (await fetchJson(url, this.timeoutMs)) as Partial<OpenIdConfiguration> | null;
      if (typeof document?.jwks_uri !== 'string') {
        throw new IdentityProviderUnavailableError(`${url} names no jwks_uri`);
      }
      return (this.configuration = document as OpenIdConfiguration);
    }).finally(() => (this.discovering = undefined));
    return this.discovering;
  }

  /** Fetches the key set; concurrent callers share one request. */
  private reload(): Promise<void> {
    this.loading ??= this.attempt(async () => {
      const url = this.options.jwksUri ?? (await this.openIdConfiguration()).jwks_uri;
      const body = await fetchJson(url, this.timeoutMs);
      let set: KeySet;
      try {
        set = createLocalJWKSet(body as JSONWebKeySet);
      } catch {
        throw new IdentityProviderUnavailableError(`${url} did not answer with a JSON Web Key Set`);
      }
      this.keys = { set, fetchedAt: this.now() };
      this.fetches++;
    }).finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** Runs a request to the provider, failing fast for a moment after it last failed. */
  private async attempt<T>(request: () => Promise<T>): Promise<T> {
    if (this.now() - this.failedAt < this.retryAfterFailureMs) {
      throw new IdentityProviderUnavailableError(this.failure);
    }
    try {
      return await request();
    } catch (error) {
      this.failedAt = this.now();
      this.failure = error instanceof IdentityProviderUnavailableError ? error.detail : String(error);
      // Logged here, once per failed request to the provider, not once per caller refused meanwhile.
      log().error(`Identity provider unavailable: ${this.failure}`);
      throw error instanceof IdentityProviderUnavailableError
        ? error
        : new IdentityProviderUnavailableError(this.failure);
    }
  }
}

async function fetchJson(url: string, timeoutMs: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason =
      error instanceof Error ? (error.cause instanceof Error ? error.cause : error).message : error;
    throw new IdentityProviderUnavailableError(`${url}: ${String(reason)}`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new IdentityProviderUnavailableError(`${url} answered ${response.status}`);
  }
  try {
    return await response.json();
  } catch {
    throw new IdentityProviderUnavailableError(`${url} did not answer with JSON`);
  }
}
