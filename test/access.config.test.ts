/** The NMP_AUTH_* variables: upstream's names and defaults, and one clear line for a bad value. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/env.js';

const configError = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
};

describe('auth configuration', () => {
  it('is off with nothing set, with upstream defaults, and leaves the other variables alone', () => {
    expect(loadConfig({})).toEqual({
      PORT: 8080,
      HOST: '127.0.0.1',
      HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: 5,
      DATA_DIR: './.data',
      LOG_LEVEL: 'info',
      CORS_ORIGINS: [],
      DATABASE_STARTUP_TIMEOUT_SECONDS: 60,
      DATABASE_REPLY_TIMEOUT_SECONDS: 15,
      DATABASE_POOL_SIZE: 10,
      GRAPHQL_TRUSTED_DOCUMENTS: 'off',
      auth: {
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
      },
    });
  });

  it('reads every variable', () => {
    const { auth } = loadConfig({
      NMP_AUTH_ENABLED: 'True',
      NMP_AUTH_OIDC__ISSUER: 'https://login.example.com/tenant/v2.0',
      NMP_AUTH_OIDC__ADDITIONAL_ISSUERS: '["https://sts.example.com/tenant/"]',
      NMP_AUTH_OIDC__JWKS_URI: 'http://127.0.0.1:9000/keys',
      NMP_AUTH_OIDC__AUDIENCE: 'api://nmp',
      NMP_AUTH_OIDC__CLIENT_ID: 'nmp-cli',
      NMP_AUTH_OIDC__DEFAULT_SCOPES: 'openid platform:read',
      NMP_AUTH_OIDC__EMAIL_CLAIM: 'upn',
      NMP_AUTH_OIDC__SUBJECT_CLAIM: 'oid',
      NMP_AUTH_OIDC__SCOPE_PREFIX: 'api://nmp/',
      NMP_AUTH_ADMIN_EMAIL: 'root@example.com',
      NMP_AUTH_DEFAULT_WORKSPACE: 'shared',
      NMP_AUTH_ALLOW_UNSIGNED_JWT: 'false',
      NMP_AUTH_ALLOW_UNAUTHENTICATED_NETWORK: '1',
    });
    expect(auth).toEqual({
      enabled: true,
      oidc: {
        issuer: 'https://login.example.com/tenant/v2.0',
        additionalIssuers: ['https://sts.example.com/tenant/'],
        jwksUri: 'http://127.0.0.1:9000/keys',
        audience: 'api://nmp',
        clientId: 'nmp-cli',
        defaultScopes: 'openid platform:read',
        emailClaim: 'upn',
        subjectClaim: 'oid',
        scopePrefix: 'api://nmp/',
      },
      adminEmail: 'root@example.com',
      defaultWorkspace: 'shared',
      allowUnsignedJwt: false,
      allowUnauthenticatedNetwork: true,
    });
  });

  it('takes additional issuers comma-separated too', () => {
    const env = { NMP_AUTH_OIDC__ADDITIONAL_ISSUERS: 'https://a.example.com/, http://localhost:8081' };
    expect(loadConfig(env).auth.oidc.additionalIssuers).toEqual([
      'https://a.example.com/',
      'http://localhost:8081',
    ]);
  });

  it('stops on a bad value with one line naming the variable', () => {
    expect(configError({ NMP_AUTH_ENABLED: 'maybe' })).toBe(
      'Invalid NMP_AUTH_ENABLED="maybe": expected true or false',
    );
    expect(configError({ NMP_AUTH_OIDC__ISSUER: 'ftp://idp' })).toBe(
      'Invalid NMP_AUTH_OIDC__ISSUER="ftp://idp": expected an http(s) URL',
    );
    expect(configError({ NMP_AUTH_OIDC__ADDITIONAL_ISSUERS: '["https://ok.example.com", 3]' })).toBe(
      'Invalid NMP_AUTH_OIDC__ADDITIONAL_ISSUERS="[\\"https://ok.example.com\\", 3]": expected an http(s) URL',
    );
  });

  it('needs an issuer when auth is on, unless only unsigned local tokens are allowed', () => {
    expect(configError({ NMP_AUTH_ENABLED: 'true' })).toBe(
      'Missing NMP_AUTH_OIDC__ISSUER: required when NMP_AUTH_ENABLED is true (or set NMP_AUTH_ALLOW_UNSIGNED_JWT=true for local use)',
    );
    expect(loadConfig({ NMP_AUTH_ENABLED: 'true', NMP_AUTH_ALLOW_UNSIGNED_JWT: 'true' }).auth.enabled).toBe(
      true,
    );
    expect(configError({ NMP_AUTH_OIDC__JWKS_URI: 'https://idp.example.com/keys' })).toBe(
      'Missing NMP_AUTH_OIDC__ISSUER: required with NMP_AUTH_OIDC__JWKS_URI: tokens are checked against it',
    );
  });
});
