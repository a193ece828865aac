/** Who is calling: the identity a verified token names, or the anonymous caller when auth is off. */
export interface Principal {
  kind: 'authenticated' | 'anonymous';
  /** The name role bindings use: the email claim, or the subject when there is no email. */
  id: string;
  subject?: string;
  email?: string;
  /** The token's scopes, with the configured prefix stripped. */
  scopes: readonly string[];
  /** When the token stops being valid (a long-lived connection should end then). */
  expiresAt?: Date;
}

/** The caller when auth is disabled: every check allows it. With auth enabled it may do nothing. */
export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous', id: 'anonymous', scopes: [] });

/** Whom status events record as having caused a change: null when nobody is authenticated (auth off). */
export const actorOf = (principal: Principal): string | null =>
  principal.kind === 'authenticated' ? principal.id : null;
