/**
 * `npm start`: read the configuration, claim the port (and, on PGlite, the data directory) before
 * opening the database, start the gateway; on SIGTERM or SIGINT stop cleanly, on a second one at once.
 */
import { constants } from 'node:os';
import { databaseUnavailable } from './db/unavailable.js';
import { ConfigError, loadConfig, type Config } from './env.js';
import { createLogger, type Logger } from './observability/logger.js';
import { setProcessLogger } from './observability/request-context.js';
import { createStartingServer } from './ops/probes.js';
import { StartupError, bindPort, checkExposure, lockDataDirectory } from './ops/startup.js';
import type { Gateway, gatewayLinks } from './server.js';

/** A stop still running after this long is cut short (supervisors send SIGKILL soon after). */
const STOP_TIMEOUT_MS = 10_000;

let gateway: Gateway | undefined;
let logger: Logger | undefined;
let stopping = false;

/** Through the logger once the configuration says how to log; a plain line on stderr before. */
function say(level: 'info' | 'warn' | 'error', message: string) {
  if (logger) logger[level](message);
  else process.stderr.write(`${message}\n`);
}

function onSignal(signal: NodeJS.Signals) {
  if (stopping || !gateway) {
    say('warn', stopping ? `${signal} again: exiting now.` : `${signal} while starting: exiting now.`);
    process.exit(128 + constants.signals[signal]);
  }
  stopping = true;
  say('info', `${signal}: stopping; requests in flight finish, streams and subscriptions end.`);
  setTimeout(() => {
    say('error', `Stopping took longer than ${STOP_TIMEOUT_MS / 1000} s: exiting now.`);
    process.exit(1);
  }, STOP_TIMEOUT_MS).unref();
  gateway.close().then(
    () => {
      say('info', 'Stopped.');
      process.exit(0);
    },
    (error: unknown) => {
      say('error', `Stopping failed: ${messageOf(error)}`);
      process.exit(1);
    },
  );
}

/**
 * The last line of defence: a lost database connection is handled where the database is used, but
 * should a driver throw one where nobody can catch it, that must not end the process: the
 * connection is retried, and the gateway serves again once the database is back. Anything else
 * ends it, as Node would.
 */
function onUncaught(error: unknown) {
  const unavailable = databaseUnavailable(error);
  if (unavailable) {
    console.error(`Database connection error outside any request (${unavailable.reason}); carrying on.`);
    return;
  }
  console.error('Uncaught exception:', error);
  process.exit(1);
}

async function main() {
  process.on('uncaughtException', onUncaught);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const config = loadConfig();
  const log = createLogger({
    format: config.LOG_FORMAT ?? (process.stdout.isTTY ? 'plain' : 'json'),
    level: config.LOG_LEVEL,
  });
  logger = log;
  setProcessLogger(log);
  for (const warning of checkExposure(config.HOST, config.auth)) log.warn(warning);
  const server = createStartingServer();
  // A proxy that reuses a connection just as the gateway closes it for idleness gets no answer
  // (a 502 for its client): hence a setting, to outlast the proxy's own idle timeout.
  server.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS * 1000;
  const { url } = await bindPort(server, config.PORT, config.HOST);
  if (!config.DATABASE_URL && !config.DATA_DIR.startsWith('memory://')) {
    const lock = lockDataDirectory(config.DATA_DIR);
    process.on('exit', () => lock.release());
  }
  // Loaded only now, so a port or directory already taken is reported in a moment, not after the
  // whole gateway (GraphQL schema, database drivers) has loaded.
  const { createGateway, gatewayLinks } = await import('./server.js');
  const trustedDocuments = await loadTrustedDocuments(config);
  gateway = await createGateway({
    trustedDocuments,
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    access: config.auth,
    storageDir: config.JOB_STORAGE_DIR,
    resultMaxBytes: config.JOB_RESULT_MAX_BYTES,
    executor: { maxProcesses: config.EXECUTOR_MAX_PROCESSES },
    server,
    logger: log,
    corsOrigins: config.CORS_ORIGINS,
    databaseStartupTimeoutMs: config.DATABASE_STARTUP_TIMEOUT_SECONDS * 1000,
    replyTimeoutSeconds: config.DATABASE_REPLY_TIMEOUT_SECONDS,
    poolSize: config.DATABASE_POOL_SIZE,
  });
  const store = config.DATABASE_URL ? 'PostgreSQL' : `PGlite in ${config.DATA_DIR}`;
  log.info(`Jobs gateway on ${url} (${store}): ${describeLinks(url, gatewayLinks)}`);
}

/** The trusted documents of GRAPHQL_TRUSTED_DOCUMENTS_FILE; a file that cannot be read stops start-up, naming it. */
async function loadTrustedDocuments(config: Config) {
  const { readManifest, TrustedDocuments } = await import('./graphql/trusted-documents.js');
  const file = config.GRAPHQL_TRUSTED_DOCUMENTS_FILE;
  if (config.GRAPHQL_TRUSTED_DOCUMENTS === 'off' || !file) return new TrustedDocuments('off');
  try {
    return new TrustedDocuments(config.GRAPHQL_TRUSTED_DOCUMENTS, readManifest(file));
  } catch (error) {
    throw new ConfigError(
      `Invalid GRAPHQL_TRUSTED_DOCUMENTS_FILE=${JSON.stringify(file)}: ${messageOf(error)}`,
    );
  }
}

/** "GraphQL and GraphiQL http://…/graphql, REST http://…/apis/jobs/v2, …": one entry per URL. */
function describeLinks(url: string, links: typeof gatewayLinks): string {
  const titles = new Map<string, string[]>();
  for (const { path, title } of links) titles.set(path, [...(titles.get(path) ?? []), title]);
  return [...titles].map(([path, names]) => `${names.join(' and ')} ${url}${path}`).join(', ');
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

main().catch((error: unknown) => {
  // Configuration and start-up problems are one line on stderr, first, never a stack trace.
  if (error instanceof ConfigError || error instanceof StartupError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    const where = process.env.DATABASE_URL ? ' (check DATABASE_URL)' : '';
    process.stderr.write(`Failed to start${where}: ${messageOf(error)}\n`);
  }
  process.exit(1);
});
