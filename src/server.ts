/**
 * Builds the gateway: database, migrations, event feed, jobs service, and on one HTTP server the
 * probes and index, then the doors (REST, GraphQL over HTTP/SSE and WebSocket). Building is
 * separate from listening so tests start the real thing on a free port.
 */
import { createServer, type Server } from 'node:http';
import { Hono } from 'hono';
import { getRequestListener } from '@hono/node-server';
import { AccessControl, defaultAccessSettings, type AccessSettings } from './access/index.js';
import { openDatabase, type DatabaseHandle, type DatabaseOptions, type ProcessLease } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { StatusEventFeed, type FeedOptions } from './events/feed.js';
import { LogWakeups, type LogWakeupOptions } from './events/log-wakeups.js';
import type { TrustedDocuments } from './graphql/trusted-documents.js';
import {
  SubprocessExecutor,
  defaultStorageDir,
  type SubprocessExecutorOptions,
} from './executor/subprocess.js';
import { attachGraphQLWebSocket, GRAPHQL_PATH } from './graphql/ws.js';
import { createGraphQLServer, serveGraphQL } from './graphql/yoga.js';
import { silentLogger, type Logger } from './observability/logger.js';
import { GatewayMetrics } from './observability/metrics.js';
import { defaultExecutionProfiles } from './jobs/profiles.js';
import { JobResults } from './jobs/results.js';
import { JobsService } from './jobs/service.js';
import { JobTasks } from './jobs/tasks.js';
import { corsPolicy } from './ops/cors.js';
import { trackConnections } from './ops/http-drain.js';
import { indexRoutes, type GatewayLink } from './ops/index-page.js';
import { METRICS_PATH, metricsRoutes } from './ops/metrics-route.js';
import { PROBE_PATHS, probeRoutes } from './ops/probes.js';
import { readinessChecks } from './ops/readiness.js';
import { requestPipeline, type Door } from './ops/request-pipeline.js';
import { bindPort } from './ops/startup.js';
import { JOBS_API_ROOT, restApp, type JobArtifacts } from './rest/index.js';

export interface GatewayOptions extends DatabaseOptions {
  /** Who may do what (the NMP_AUTH_* settings); off when not given. */
  access?: AccessSettings;
  feed?: FeedOptions;
  /** How log followers (jobLogs) are woken: the NOTIFY coalescing window and the safety-net poll. */
  logWakeups?: LogWakeupOptions;
  /** Which GraphQL documents may run (GRAPHQL_TRUSTED_DOCUMENTS); any, when not given. */
  trustedDocuments?: TrustedDocuments;
  /** The built-in executor of `subprocess` steps; `false` leaves every step to external controllers. */
  executor?: SubprocessExecutorOptions | false;
  /**
   * A server from `createStartingServer`, already listening: the port is claimed before the
   * database is opened. The gateway takes its requests over; without one it makes its own.
   */
  server?: Server;
  /** Where request and error lines go; nothing is logged without one. */
  logger?: Logger;
  /** Origins allowed to call the gateway from a browser (CORS_ORIGINS); none by default. */
  corsOrigins?: string[];
  /** How long start-up waits for PostgreSQL while it is unavailable (ms; 60 s by default); 0 tries once. */
  databaseStartupTimeoutMs?: number;
  /** Where job storage lives (`JOB_STORAGE_DIR`): the executor's, and every job's results; `<dataDir>/jobs` by default. */
  storageDir?: string;
  /** The largest result file an upload may store (`JOB_RESULT_MAX_BYTES`); 100 MiB by default. */
  resultMaxBytes?: number;
}

/** Where each part of the gateway answers: the start line and `GET /` list these. */
export const gatewayLinks: GatewayLink[] = [
  { name: 'graphql', title: 'GraphQL', path: GRAPHQL_PATH },
  { name: 'graphiql', title: 'GraphiQL', path: GRAPHQL_PATH },
  { name: 'rest', title: 'REST', path: JOBS_API_ROOT },
  { name: 'docs', title: 'docs', path: '/docs' },
  { name: 'openapi', title: 'OpenAPI', path: '/openapi.json' },
];

/** Requests in flight get this long to finish when the gateway stops; then their connections are cut. */
export const DRAIN_GRACE_MS = 5_000;

export interface Gateway {
  server: Server;
  database: DatabaseHandle;
  jobs: JobsService;
  tasks: JobTasks;
  results: JobResults;
  feed: StatusEventFeed;
  logWakeups: LogWakeups;
  access: AccessControl;
  metrics: GatewayMetrics;
  listen(port: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const database = await openDatabase(options);
  await migrateDatabase(database, options.databaseUrl, {
    waitMs: options.databaseStartupTimeoutMs ?? 60_000,
  });
  const feed = new StatusEventFeed(database.db, database.channel, options.feed);
  await feed.start();
  const logWakeups = new LogWakeups(database.channel, options.logWakeups);
  await logWakeups.start();
  const jobs = new JobsService(
    database.db,
    defaultExecutionProfiles,
    () => feed.committed(),
    (jobIds) => logWakeups.appended(jobIds),
  );
  const access = new AccessControl(database.db, options.access ?? defaultAccessSettings);
  const logger = options.logger ?? silentLogger;
  const storageDir =
    options.storageDir ??
    (options.executor ? options.executor.storageDir : undefined) ??
    defaultStorageDir(options.dataDir);
  const artifacts: JobArtifacts = {
    tasks: new JobTasks(database.db),
    results: new JobResults(database.db, storageDir, options.resultMaxBytes),
  };
  // A deleted job's result files go with it, whether or not this process runs an executor.
  const forgetResults = jobs.onDeleted((jobId) => {
    artifacts.results
      .removeJob(jobId)
      .catch((error: unknown) => logger.error({ err: error }, 'Could not remove a deleted job’s results'));
  });
  let lease: ProcessLease | undefined;
  let executor: SubprocessExecutor | undefined;
  if (options.executor !== false) {
    lease = await database.takeLease();
    executor = new SubprocessExecutor(jobs, feed, lease, { ...options.executor, storageDir }, artifacts);
    executor.start();
  }

  const metrics = gatewayMetrics(database, feed, executor);
  const graphql = {
    jobs,
    ...artifacts,
    feed,
    logWakeups,
    access,
    trustedDocuments: options.trustedDocuments,
  };
  const yoga = createGraphQLServer(graphql, [metrics.graphqlPlugin()]);
  const rest = getRequestListener(restApp(jobs, feed, access, artifacts).fetch);
  const ops = getRequestListener(
    new Hono()
      .route('/', probeRoutes(readinessChecks(database, feed)))
      .route('/', indexRoutes(gatewayLinks))
      .route('/', metricsRoutes(metrics))
      .notFound((c) => c.json({ detail: 'Not Found' }, 404)).fetch,
  );
  // Answered ahead of the doors and without auth, like the probes.
  const opsPaths = new Set(['/', ...PROBE_PATHS, METRICS_PATH]);
  const doors: Record<Door['kind'], Door> = {
    graphql: { kind: 'graphql', handle: serveGraphQL(yoga, options.trustedDocuments) },
    ops: { kind: 'ops', handle: (req, res) => void ops(req, res) },
    rest: { kind: 'rest', handle: (req, res) => void rest(req, res) },
  };

  const server = options.server ?? createServer();
  // A server claimed early answered "starting" until now.
  server.removeAllListeners('request');
  const connections = trackConnections(server);
  server.on(
    'request',
    requestPipeline({
      logger,
      metrics,
      cors: corsPolicy(options.corsOrigins ?? []),
      doorFor: (path) =>
        path === yoga.graphqlEndpoint ? doors.graphql : opsPaths.has(path) ? doors.ops : doors.rest,
    }),
  );
  const ws = attachGraphQLWebSocket(server, graphql, {
    logger,
    subscriptions: {
      opened: () => metrics.subscriptionOpened('graphql-ws'),
      closed: () => metrics.subscriptionClosed('graphql-ws'),
    },
  });

  return {
    server,
    database,
    jobs,
    ...artifacts,
    feed,
    logWakeups,
    access,
    metrics,
    listen: (port, host = '127.0.0.1') => bindPort(server, port, host),
    /**
     * Stops in order: no new connections; then, at the same time, requests in flight finish, event
     * streams end, WebSocket subscribers are told the server is going away (1001), and the executor
     * ends its processes and gives up its lease; last the feed and the database close.
     */
    async close() {
      await Promise.all([
        connections.drain(DRAIN_GRACE_MS),
        ws.close(),
        (async () => {
          await executor?.stop();
          await lease?.release();
        })(),
      ]);
      forgetResults();
      await Promise.all([feed.stop(), logWakeups.stop()]);
      await database.close();
    },
  };
}

/** What this gateway counts: its requests (counted as they end) and the parts it is built of. */
function gatewayMetrics(
  database: DatabaseHandle,
  feed: StatusEventFeed,
  executor: SubprocessExecutor | undefined,
): GatewayMetrics {
  const metrics = new GatewayMetrics();
  metrics.watchFeed(feed);
  metrics.gauge(
    'executor_steps_running',
    "Steps whose process this gateway's built-in executor holds now (running or paused).",
    () => executor?.runningSteps ?? 0,
  );
  const connectionUse = database.connectionUse?.bind(database);
  if (connectionUse && database.poolSize) metrics.databaseConnections(connectionUse, database.poolSize);
  return metrics;
}
