/** What the access model is configured with (from the NMP_AUTH_* variables, see src/env.ts). */
export interface AccessSettings {
  /** Off: every request is allowed, as the anonymous principal. */
  enabled: boolean;
  oidc: OidcSettings;
  /** The identity (email claim) that is PlatformAdmin in every workspace. */
  adminEmail?: string;
  /** The workspace where every authenticated principal (`*`) is an Editor. */
  defaultWorkspace: string;
  /** Accept `alg: none` tokens: anyone can mint them, so for local development only. */
  allowUnsignedJwt: boolean;
  /** Bind a non-loopback address with auth off (a layer in front authenticates). */
  allowUnauthenticatedNetwork: boolean;
}

export interface OidcSettings {
  /** The identity provider; its keys are found through `{issuer}/.well-known/openid-configuration`. */
  issuer?: string;
  /** Further accepted `iss` values signed by the same keys (Azure AD's v1 issuer beside its v2 one). */
  additionalIssuers: string[];
  /** Where the signing keys are, instead of the discovery document's `jwks_uri`. */
  jwksUri?: string;
  /** When set, a token's `aud` must include it; when unset, the audience is not checked. */
  audience?: string;
  /** The OAuth client that CLIs and SDKs log in with (announced by auth discovery). */
  clientId: string;
  /** The scopes clients request at login (announced by auth discovery). */
  defaultScopes: string;
  emailClaim: string;
  subjectClaim: string;
  /** Stripped from each scope before authorization (`api://client-id/` on Azure AD). */
  scopePrefix?: string;
}

/** Access settings when nothing is configured: auth off. */
export const defaultAccessSettings: AccessSettings = {
  enabled: false,
  oidc: {
    additionalIssuers: [],
    clientId: '',
    defaultScopes: 'openid profile email offline_access',
    emailClaim: 'email',
    subjectClaim: 'sub',
  },
  defaultWorkspace: 'default',
  allowUnsignedJwt: false,
  allowUnauthenticatedNetwork: false,
};
