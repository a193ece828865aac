/**
 * What can go wrong in the access model, independent of the door it came through. Messages are
 * safe to show a client: they never repeat a token, and a refusal never says whether a job exists.
 */

/** Why a token was not accepted. */
export type AuthenticationFailure =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'unknown_key'
  | 'bad_signature'
  | 'unsupported_algorithm'
  | 'unsigned_not_allowed'
  | 'no_principal';

const authenticationMessages: Record<AuthenticationFailure, string> = {
  missing: "Authentication required: send 'Authorization: Bearer <token>'.",
  malformed: 'The bearer token is not a well-formed JWT.',
  expired: 'The token has expired.',
  not_yet_valid: 'The token is not valid yet.',
  wrong_issuer: "The token's issuer is not accepted here.",
  wrong_audience: "The token's audience is not accepted here.",
  unknown_key: 'The token is signed with a key the identity provider does not publish.',
  bad_signature: "The token's signature is invalid.",
  unsupported_algorithm: "The token's signing algorithm is not accepted.",
  unsigned_not_allowed: 'Unsigned tokens are not accepted.',
  no_principal: 'The token names no principal (neither an email nor a subject claim).',
};

/** The caller is not authenticated (the doors answer 401). */
export class AuthenticationError extends Error {
  constructor(
    readonly failure: AuthenticationFailure,
    message = authenticationMessages[failure],
  ) {
    super(message);
  }

  /** The `WWW-Authenticate` header value for a 401 (RFC 6750). */
  get challenge(): string {
    if (this.failure === 'missing') return 'Bearer';
    return `Bearer error="invalid_token", error_description="${this.message.replaceAll('"', "'")}"`;
  }
}

/**
 * The identity provider's discovery document or keys could not be fetched, so no token can be
 * checked right now (the doors answer 503). `detail` is for the logs.
 */
export class IdentityProviderUnavailableError extends Error {
  constructor(readonly detail: string) {
    super('The identity provider is unavailable, so the token cannot be checked; try again shortly.');
  }
}

/** The principal is authenticated but may not do this (the doors answer 403). */
export class PermissionDeniedError extends Error {
  constructor(
    message: string,
    /** Whether the principal's roles or the token's scopes refused it. */
    readonly refusedBy: 'role' | 'scope',
  ) {
    super(message);
  }
}

export class MemberNotFoundError extends Error {
  constructor(
    readonly workspace: string,
    readonly principal: string,
  ) {
    super(`Principal '${principal}' is not a member of workspace '${workspace}'.`);
  }
}

export class MemberAlreadyExistsError extends Error {
  constructor(
    readonly workspace: string,
    readonly principal: string,
  ) {
    super(
      `Principal '${principal}' is already a member of workspace '${workspace}'; replace its roles instead.`,
    );
  }
}

/** A workspace that has an Admin keeps at least one, so someone can always manage its members. */
export class LastAdminError extends Error {
  constructor(
    readonly workspace: string,
    readonly principal: string,
  ) {
    super(`Principal '${principal}' is the last Admin of workspace '${workspace}'; add another Admin first.`);
  }
}
