/**
 * Builds the gateway: database, migrations, event feed, jobs service, and the doors (REST,
 * GraphQL over HTTP/SSE and WebSocket) on one HTTP server. Building is separate from listening so
 * tests start the real thing on a free port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { openDatabase, type DatabaseHandle, type DatabaseOptions, type ProcessLease } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { StatusEventFeed, type FeedOptions } from './events/feed.js';
import { SubprocessExecutor, type SubprocessExecutorOptions } from './executor/subprocess.js';
import { attachGraphQLWebSocket } from './graphql/ws.js';
import { createGraphQLServer } from './graphql/yoga.js';
import { defaultExecutionProfiles } from './jobs/profiles.js';
import { JobsService } from './jobs/service.js';
import { restApp } from './rest/index.js';

export interface GatewayOptions extends DatabaseOptions {
  feed?: FeedOptions;
  /** The built-in executor of `subprocess` steps; `false` leaves every step to external controllers. */
  executor?: SubprocessExecutorOptions | false;
}

export interface Gateway {
  server: Server;
  database: DatabaseHandle;
  jobs: JobsService;
  feed: StatusEventFeed;
  listen(port: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const database = await openDatabase(options);
  await migrateDatabase(database, options.databaseUrl);
  const feed = new StatusEventFeed(database.db, database.channel, options.feed);
  await feed.start();
  const jobs = new JobsService(database.db, defaultExecutionProfiles, () => feed.committed());
  let lease: ProcessLease | undefined;
  let executor: SubprocessExecutor | undefined;
  if (options.executor !== false) {
    lease = await database.takeLease();
    executor = new SubprocessExecutor(jobs, feed, lease, options.executor);
    executor.start();
  }

  const graphql = { jobs, feed };
  const yoga = createGraphQLServer(graphql);
  const rest = getRequestListener(restApp(jobs, feed).fetch);
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === yoga.graphqlEndpoint || path.startsWith(`${yoga.graphqlEndpoint}?`)) {
      void yoga(req, res);
    } else {
      void rest(req, res);
    }
  });
  const ws = attachGraphQLWebSocket(server, graphql);

  return {
    server,
    database,
    jobs,
    feed,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const actual = (server.address() as AddressInfo).port;
          resolve({ port: actual, url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}` });
        });
      });
    },
    async close() {
      await executor?.stop();
      await lease?.release();
      await ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await feed.stop();
      await database.close();
    },
  };
}
