/** Configuration from the environment. Bad values stop start-up with one clear line. */
import { z } from 'zod';
import { defaultAccessSettings, type AccessSettings } from './access/settings.js';
import { DEFAULT_POOL_SIZE, DEFAULT_REPLY_TIMEOUT_SECONDS } from './db/client.js';
import { LOG_FORMATS, LOG_LEVELS } from './observability/logger.js';

/** Upstream writes levels in capitals (INFO) and Python's logging says WARNING; both mean the same here. */
const logLevel = z
  .string()
  .trim()
  .toLowerCase()
  .transform((value) => (value === 'warning' ? 'warn' : value))
  .pipe(z.enum(LOG_LEVELS, `expected one of ${LOG_LEVELS.join(', ')}`));

/** Origins as a browser sends them (scheme://host[:port], no path), comma-separated, or `*`. */
const corsOrigins = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z.string().refine((origin) => origin === '*' || isOrigin(origin), {
        error: (issue) => `${String(issue.input)} is not an origin like https://app.example.com`,
      }),
    ),
  );

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.origin === value;
  } catch {
    return false;
  }
}

/** Which GraphQL documents run: as text (off), as text or by id (allow), by id only (only). */
export const TRUSTED_DOCUMENTS_MODES = ['off', 'allow', 'only'] as const;
export type TrustedDocumentsMode = (typeof TRUSTED_DOCUMENTS_MODES)[number];

const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * How long an idle kept-alive HTTP connection stays open. Behind a proxy or load balancer that
   * keeps its own idle connections to the gateway, this must be longer than the proxy's.
   */
  HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3600).default(5),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  /** Unset: plain on a terminal, json otherwise (a container's log collector). */
  LOG_FORMAT: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(LOG_FORMATS, `expected ${LOG_FORMATS.join(' or ')}`))
    .optional(),
  LOG_LEVEL: logLevel.default('info'),
  CORS_ORIGINS: corsOrigins.default([]),
  /** Job storage (the built-in executor's, and result files); `<DATA_DIR>/jobs` when unset. */
  JOB_STORAGE_DIR: z.string().min(1).optional(),
  /** The largest result file an upload may store, in bytes; 100 MiB when unset. */
  JOB_RESULT_MAX_BYTES: z.coerce.number().int().min(1).optional(),
  /** How many subprocess steps one gateway process runs at once; the machine's cores when unset. */
  EXECUTOR_MAX_PROCESSES: z.coerce.number().int().min(1).optional(),
  /** How long start-up waits for PostgreSQL to come up before it gives up. */
  DATABASE_STARTUP_TIMEOUT_SECONDS: z.coerce.number().min(0).default(60),
  /** How long a database connection may owe an answer without a byte before it is taken for dead. */
  DATABASE_REPLY_TIMEOUT_SECONDS: z.coerce.number().min(1).default(DEFAULT_REPLY_TIMEOUT_SECONDS),
  /** How many connections this process's pool may open to PostgreSQL. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(DEFAULT_POOL_SIZE),
  /** off: documents as text; allow: text or a trusted document's id; only: ids only. */
  GRAPHQL_TRUSTED_DOCUMENTS: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(TRUSTED_DOCUMENTS_MODES, `expected ${TRUSTED_DOCUMENTS_MODES.join(', ')}`))
    .default('off'),
  /** The manifest of trusted documents (graphql-codegen's persisted-documents.json). */
  GRAPHQL_TRUSTED_DOCUMENTS_FILE: z.string().min(1).optional(),
});

/** Settings that only make sense together. */
const checkedConfigSchema = configSchema.superRefine((config, ctx) => {
  if (config.GRAPHQL_TRUSTED_DOCUMENTS !== 'off' && !config.GRAPHQL_TRUSTED_DOCUMENTS_FILE) {
    ctx.addIssue({
      code: 'custom',
      path: ['GRAPHQL_TRUSTED_DOCUMENTS_FILE'],
      message: `required when GRAPHQL_TRUSTED_DOCUMENTS is ${config.GRAPHQL_TRUSTED_DOCUMENTS}`,
    });
  }
});

// Booleans as the platform's settings accept them.
const flag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], 'expected true or false'))
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

const issuerUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** A list as the platform takes it from the environment (a JSON array), or comma-separated. */
const issuerList = z
  .string()
  .transform((value, ctx) => {
    if (!value.trim().startsWith('[')) return value.split(',').map((item) => item.trim());
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON array or comma-separated URLs' });
      return z.NEVER;
    }
  })
  .pipe(z.array(issuerUrl, 'expected a JSON array or comma-separated URLs'));

const authSchema = z
  .object({
    NMP_AUTH_ENABLED: flag.default(false),
    NMP_AUTH_OIDC__ISSUER: issuerUrl.optional(),
    NMP_AUTH_OIDC__ADDITIONAL_ISSUERS: issuerList.default([]),
    NMP_AUTH_OIDC__JWKS_URI: issuerUrl.optional(),
    NMP_AUTH_OIDC__AUDIENCE: z.string().optional(),
    NMP_AUTH_OIDC__CLIENT_ID: z.string().default(defaultAccessSettings.oidc.clientId),
    NMP_AUTH_OIDC__DEFAULT_SCOPES: z.string().default(defaultAccessSettings.oidc.defaultScopes),
    NMP_AUTH_OIDC__EMAIL_CLAIM: z.string().default(defaultAccessSettings.oidc.emailClaim),
    NMP_AUTH_OIDC__SUBJECT_CLAIM: z.string().default(defaultAccessSettings.oidc.subjectClaim),
    NMP_AUTH_OIDC__SCOPE_PREFIX: z.string().optional(),
    NMP_AUTH_ADMIN_EMAIL: z.string().optional(),
    NMP_AUTH_DEFAULT_WORKSPACE: z.string().default(defaultAccessSettings.defaultWorkspace),
    NMP_AUTH_ALLOW_UNSIGNED_JWT: flag.default(false),
    NMP_AUTH_ALLOW_UNAUTHENTICATED_NETWORK: flag.default(false),
  })
  .superRefine((auth, ctx) => {
    // Signed tokens are checked against the issuer; only unsigned local tokens can do without one.
    if (auth.NMP_AUTH_ENABLED && !auth.NMP_AUTH_OIDC__ISSUER && !auth.NMP_AUTH_ALLOW_UNSIGNED_JWT) {
      ctx.addIssue({
        code: 'custom',
        path: ['NMP_AUTH_OIDC__ISSUER'],
        message:
          'required when NMP_AUTH_ENABLED is true (or set NMP_AUTH_ALLOW_UNSIGNED_JWT=true for local use)',
      });
    }
    if (auth.NMP_AUTH_OIDC__JWKS_URI && !auth.NMP_AUTH_OIDC__ISSUER) {
      ctx.addIssue({
        code: 'custom',
        path: ['NMP_AUTH_OIDC__ISSUER'],
        message: 'required with NMP_AUTH_OIDC__JWKS_URI: tokens are checked against it',
      });
    }
  })
  .transform((auth): AccessSettings => ({
    enabled: auth.NMP_AUTH_ENABLED,
    oidc: {
      issuer: auth.NMP_AUTH_OIDC__ISSUER,
      additionalIssuers: auth.NMP_AUTH_OIDC__ADDITIONAL_ISSUERS,
      jwksUri: auth.NMP_AUTH_OIDC__JWKS_URI,
      audience: auth.NMP_AUTH_OIDC__AUDIENCE,
      clientId: auth.NMP_AUTH_OIDC__CLIENT_ID,
      defaultScopes: auth.NMP_AUTH_OIDC__DEFAULT_SCOPES,
      emailClaim: auth.NMP_AUTH_OIDC__EMAIL_CLAIM,
      subjectClaim: auth.NMP_AUTH_OIDC__SUBJECT_CLAIM,
      scopePrefix: auth.NMP_AUTH_OIDC__SCOPE_PREFIX,
    },
    adminEmail: auth.NMP_AUTH_ADMIN_EMAIL,
    defaultWorkspace: auth.NMP_AUTH_DEFAULT_WORKSPACE,
    allowUnsignedJwt: auth.NMP_AUTH_ALLOW_UNSIGNED_JWT,
    allowUnauthenticatedNetwork: auth.NMP_AUTH_ALLOW_UNAUTHENTICATED_NETWORK,
  }));

export type Config = z.infer<typeof configSchema> & { auth: AccessSettings };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return { ...parseVariables(checkedConfigSchema, env), auth: parseVariables(authSchema, env) };
}

function parseVariables<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  // An empty variable means "not set", as in most shells' `VAR= npm start`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    // zod reports at least one issue for a failed parse.
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0]);
    if (!env[variable]) throw new ConfigError(`Missing ${variable}: ${issue.message}`);
    throw new ConfigError(`Invalid ${variable}=${JSON.stringify(env[variable])}: ${issue.message}`);
  }
  return parsed.data;
}
