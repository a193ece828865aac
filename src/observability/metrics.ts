/**
 * The gateway's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * several gateways in one process each count only their own.
 */
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import { readdir } from 'node:fs/promises';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StatusEventFeed } from '../events/feed.js';

export const SUBSCRIPTION_TRANSPORTS = ['graphql-ws', 'graphql-sse', 'rest-sse'] as const;
export type SubscriptionTransport = (typeof SUBSCRIPTION_TRANSPORTS)[number];

/** The route label of a request no route matched: raw paths would make one series per URL. */
export const UNMATCHED_ROUTE = 'unmatched';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * prom-client defaults that walk every socket and timer on the event loop at each scrape: with
 * 10,000 graphql-ws connections a scrape blocked the loop for about 23 ms (11 ms listing
 * /proc/self/fd, the rest listing handles and resources twice), and every delivery waited behind it.
 * The open descriptors, which count the sockets too, are read off the loop instead (below).
 */
const PER_HANDLE_DEFAULTS = [
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
  'process_open_fds',
];

export class GatewayMetrics {
  readonly registry = new Registry();

  private readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status code, from arrival to the end of the response (an event stream: its whole life).',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly openSubscriptions = new Gauge({
    name: 'gateway_subscriptions_open',
    help: 'Subscriptions open now, by transport: graphql-ws operations, GraphQL and REST event streams.',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });

  private readonly statusChanges = new Counter({
    name: 'jobs_status_changes_total',
    help: 'Job status changes read from the status event log by this process, by the new status (every process reads every change).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  private readonly feedLag = new Histogram({
    name: 'event_feed_lag_seconds',
    help: "Time from a status change being recorded to this process's event feed reading it.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const name of PER_HANDLE_DEFAULTS) this.registry.removeSingleMetric(name);
    if (process.platform === 'linux') {
      new Gauge({
        name: 'process_open_fds',
        help: 'Number of open file descriptors (sockets included).',
        registers: [this.registry],
        async collect() {
          // Listed by libuv's thread pool; the directory's own descriptor is closed by now.
          const fds = await readdir('/proc/self/fd').catch(() => undefined);
          if (fds) this.set(fds.length - 1);
        },
      });
    }
    for (const transport of SUBSCRIPTION_TRANSPORTS) this.openSubscriptions.set({ transport }, 0);
  }

  /** One finished HTTP request (or event stream). */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.requestDuration.observe(
      { method: KNOWN_METHODS.has(method) ? method : 'OTHER', route, status_code: String(statusCode) },
      seconds,
    );
  }

  subscriptionOpened(transport: SubscriptionTransport): void {
    this.openSubscriptions.inc({ transport });
  }

  subscriptionClosed(transport: SubscriptionTransport): void {
    this.openSubscriptions.dec({ transport });
  }

  /** Counts every status change the feed reads, and how long after it was recorded. */
  watchFeed(feed: StatusEventFeed): () => void {
    return feed.onEvent((event) => {
      this.statusChanges.inc({ status: event.status });
      this.feedLag.observe(Math.max(0, Date.now() - event.occurredAt.getTime()) / 1000);
    });
  }

  /** A gauge read at scrape time (executor processes, database use). */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** PostgreSQL connections of this process (its pool and its LISTEN connection), asked of the server at scrape time. */
  databaseConnections(read: () => Promise<{ active: number; idle: number }>, poolMax: number): void {
    new Gauge({
      name: 'db_connections',
      help: "This process's PostgreSQL connections by state, as pg_stat_activity shows them (active: running a statement).",
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const use = await read().catch(() => undefined);
        // A database that does not answer shows no figures rather than stale ones.
        this.reset();
        if (!use) return;
        this.set({ state: 'active' }, use.active);
        this.set({ state: 'idle' }, use.idle);
      },
    });
    new Gauge({
      name: 'db_pool_max_connections',
      help: "The most connections this process's pool opens for statements.",
      registers: [this.registry],
    }).set(poolMax);
  }

  /** GraphQL over HTTP, labelled by operation name and type (graphql-ws is counted by its transport). */
  graphqlPlugin(): Plugin {
    return usePrometheus({
      registry: this.registry,
      endpoint: false,
      metrics: {
        graphql_envelop_request: true,
        graphql_envelop_request_duration: true,
        graphql_envelop_phase_parse: true,
        graphql_envelop_phase_validate: true,
        graphql_envelop_phase_execute: true,
        graphql_envelop_phase_subscribe: true,
        graphql_envelop_error_result: true,
        // The plugin's other defaults, off: no field is deprecated (finding none meant visiting
        // every document), the HTTP duration is http_request_duration_seconds for every door,
        // and a summary and a context histogram are work per request that nobody reads.
        graphql_envelop_deprecated_field: false,
        graphql_envelop_request_time_summary: false,
        graphql_envelop_phase_context: false,
        graphql_envelop_schema_change: false,
        graphql_yoga_http_duration: false,
      },
    });
  }

  async text(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
