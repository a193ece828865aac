/**
 * Opens the database: PostgreSQL through postgres.js when a URL is given, embedded PGlite
 * otherwise. Both are used through the same Drizzle API; `listen`/`notify` exist only where
 * other processes can share the database.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { log } from '../observability/request-context.js';
import postgres from 'postgres';
import { rowsOf, type DriverRow } from './driver-rows.js';

/** Drizzle's query builder only: the tables live with their domains, and no relational queries are used. */
export type Database = PgDatabase<PgQueryResultHKT>;

export interface CrossProcessChannel {
  /**
   * Calls `onNotify` with each notification's payload and `onConnect` each time the listener
   * (re)connects.
   */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    onConnect: () => void,
  ): Promise<() => Promise<void>>;
  /** `payload`: at most 8,000 bytes (PostgreSQL's limit); empty by default. */
  notify(channel: string, payload?: string): Promise<void>;
  /** Whether the listening connection is up now (false before `listen`, and while it reconnects). */
  isListening(): Promise<boolean>;
}

/**
 * Proof that a gateway process is alive, for work it owns (the steps its executor runs). On
 * PostgreSQL it is a session advisory lock: the server frees it when the process's connection
 * ends, however the process died. PGlite belongs to one process, so a lease from an earlier boot
 * is dead.
 */
export interface ProcessLease {
  /** Recorded on the work this process owns. */
  id: string;
  /** Whether the process that took lease `id` is still alive. */
  isHeld(id: string): Promise<boolean>;
  release(): Promise<void>;
}

export interface DatabaseHandle {
  kind: 'postgres' | 'pglite';
  db: Database;
  takeLease(): Promise<ProcessLease>;
  /** One trivial statement: resolves when the database answers, rejects with the driver's reason. */
  ping(): Promise<void>;
  /** Present on PostgreSQL only: PGlite lives inside this one process. */
  channel?: CrossProcessChannel;
  /** PostgreSQL only: this process's connections as the server sees them (for metrics). */
  connectionUse?(): Promise<{ active: number; idle: number }>;
  /** PostgreSQL only: how many connections the pool may open. */
  poolSize?: number;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir?: string;
  /** Called with every SQL statement Drizzle sends (for query-count checks). */
  onQuery?: (sql: string) => void;
  /**
   * PostgreSQL only: how long (s) a pooled connection may owe an answer without a byte from the
   * server before it is taken for dead (DATABASE_REPLY_TIMEOUT_SECONDS); 15 by default.
   */
  replyTimeoutSeconds?: number;
  /** PostgreSQL only: how many connections the pool may open (DATABASE_POOL_SIZE); 10 by default. */
  poolSize?: number;
}

/** How long a pooled connection may owe an answer in silence, unless DATABASE_REPLY_TIMEOUT_SECONDS says. */
export const DEFAULT_REPLY_TIMEOUT_SECONDS = 15;

/**
 * The pool's size unless DATABASE_POOL_SIZE says: the platform's own default. A process opens two
 * connections more, for listening and for the executor's lease.
 */
export const DEFAULT_POOL_SIZE = 10;

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const logger = options.onQuery && { logQuery: (query: string) => options.onQuery!(query) };
  if (options.databaseUrl) {
    return openPostgres(options.databaseUrl, logger, {
      replyTimeoutSeconds: options.replyTimeoutSeconds ?? DEFAULT_REPLY_TIMEOUT_SECONDS,
      poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
    });
  }
  return openPglite(options.dataDir ?? 'memory://', logger);
}

type QueryLogger = { logQuery(query: string, params: unknown[]): void } | undefined;

export type { DriverRow };

type StatementRunner = (
  text: string,
  params: readonly unknown[],
  options: { prepare: boolean },
) => Promise<DriverRow[]>;

/** The statement runner of each database `openDatabase` opened. */
const statementRunners = new WeakMap<Database, StatementRunner>();

/**
 * Runs a hand-written statement with `params`, outside any transaction (it is its own). On
 * PostgreSQL it is by default a named prepared statement: parsed and described once per
 * connection, then one Bind/Execute per call, where Drizzle's unnamed statements are parsed,
 * described and planned every time. Prepare only texts from a small fixed set (each connection
 * keeps every one it prepared); `prepare: false` sends any other text as it is. PGlite runs it as
 * a parameterised query (it lives in this process; there is no round trip to save). Values come
 * back as the driver reads them: map them with the columns' `mapFromDriverValue`.
 */
export function runStatement(
  db: Database,
  text: string,
  params: readonly unknown[],
  { prepare = true }: { prepare?: boolean } = {},
): Promise<DriverRow[]> {
  const run = statementRunners.get(db);
  if (!run) throw new Error('runStatement needs a database opened by openDatabase, not a transaction.');
  return run(text, params, { prepare });
}

/**
 * How every postgres.js connection of the gateway behaves when the server goes away.
 * - `connect_timeout` (s): a server that does not answer counts as unavailable in time for a
 *   request to answer within about 2 s.
 * - `backoff` (s between attempts of one connection): postgres.js's default grows to 20 s after
 *   a few failed attempts, which would keep the gateway away long after the server is back.
 * - `fetch_types: false`: no type lookup when a connection opens (postgres.js throws an uncaught
 *   error when a connection is killed during it); the gateway reads no array or custom types.
 * - `types.json`: postgres.js's own json reading, but `{}` made without a call into `JSON.parse`.
 *   It is the most frequent json value by far (a job's status details, ownership and custom
 *   fields, and its steps' status details, until something sets them): four in every row of a
 *   page of jobs, 0.13 µs each on this project's 2-core machine against 0.01.
 */
export const CONNECTION_OPTIONS = {
  connect_timeout: 2,
  backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5),
  fetch_types: false,
  types: {
    json: {
      to: 114,
      from: [114, 3802],
      serialize: (value: unknown) => JSON.stringify(value),
      parse: (text: string): unknown => (text === '{}' ? {} : JSON.parse(text)),
    },
  },
  onnotice: () => {},
} satisfies PostgresOptions;

/** postgres.js's options, with the one scripts/patch-postgres.mjs adds to the driver. */
export type PostgresOptions = postgres.Options<Record<string, postgres.PostgresType>> & {
  /** Seconds a connection may owe an answer without a byte from the server; unset: no deadline. */
  reply_timeout?: number;
};

/**
 * How long (ms) the server lets a pooled connection's statement run before cancelling it: a little
 * less than the reply deadline, so that the server gives up first. A statement cancelled so is
 * rolled back with its transaction, and the request answers 503 having changed nothing. Were the
 * reply deadline first, the request would answer 503 too, but its statement, still waiting in the
 * server (on a row another session holds, say), would go on and commit once it could.
 */
export const statementTimeoutMs = (replyTimeoutSeconds: number) =>
  Math.round(1000 * Math.max(replyTimeoutSeconds - 1, replyTimeoutSeconds * 0.8));

/** How often a lost listening connection or lease is tried again (ms). */
const RECONNECT_MS = 500;

function openPostgres(
  url: string,
  logger: QueryLogger,
  { replyTimeoutSeconds, poolSize }: { replyTimeoutSeconds: number; poolSize: number },
): DatabaseHandle {
  // A name of this process's own, so its connections can be found in pg_stat_activity.
  const applicationName = `jobs-gateway ${process.pid} ${randomUUID().slice(0, 8)}`;
  const options: PostgresOptions = {
    ...CONNECTION_OPTIONS,
    max: poolSize,
    connection: {
      application_name: applicationName,
      statement_timeout: statementTimeoutMs(replyTimeoutSeconds),
      // Timestamps come back in one form whatever the server's own zone (driver-rows.ts reads it).
      TimeZone: 'UTC',
    },
    // On a network that drops packets silently (a database host gone without closing its
    // connections), an answer owed on an established connection would be waited for as long as
    // the kernel keeps retransmitting: about 15 minutes. The pool's connections are ended after
    // this long without a byte instead (an option scripts/patch-postgres.mjs adds to the driver),
    // so their requests answer 503 and later ones connect afresh. The listening and lease
    // connections wait by design and have no such deadline.
    reply_timeout: replyTimeoutSeconds,
  };
  const sql = postgres(url, options);
  const listener = new Listener(url);
  const db = drizzlePostgres({ client: sql, logger });
  statementRunners.set(db, async (text, params, { prepare }) => {
    logger?.logQuery(text, [...params]);
    const values = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare }).values();
    return rowsOf(
      (values.columns ?? []).map((column) => column.name),
      values,
    );
  });
  return {
    kind: 'postgres',
    db,
    channel: {
      listen: (channel, onNotify, onConnect) => listener.listen(channel, onNotify, onConnect),
      async notify(channel, payload = '') {
        await sql.notify(channel, payload);
      },
      async isListening() {
        const pid = listener.pid;
        if (pid === undefined) return false;
        const rows = await sql`select 1 from pg_stat_activity where pid = ${pid}`;
        return rows.length > 0;
      },
    },
    takeLease: () => takePostgresLease(url),
    async ping() {
      await sql`select 1`;
    },
    async connectionUse() {
      const [row] = await sql<{ active: number; idle: number }[]>`
        select (count(*) filter (where state = 'active'))::int - 1 as active,
               (count(*) filter (where state is distinct from 'active'))::int as idle
        from pg_stat_activity where application_name = ${applicationName}`;
      // Less the connection asking.
      return { active: Math.max(0, row?.active ?? 0), idle: row?.idle ?? 0 };
    },
    poolSize,
    close: async () => {
      await Promise.all([listener.close(), sql.end({ timeout: 5 })]);
    },
  };
}

/**
 * The listening connection, kept up: postgres.js's own `listen` tries once to listen again after
 * its connection closes, and gives up for good if the server is down at that moment. Here, each
 * time the connection closes it is tried again every RECONNECT_MS until it listens, and then every
 * channel's `onConnect` runs (what was notified meanwhile is read from the tables).
 */
class Listener {
  private readonly sql: postgres.Sql;
  private readonly channels = new Map<
    string,
    { onNotify: (payload: string) => void; onConnect: () => void }
  >();
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  /** The server process of the listening connection while it listens. */
  pid: number | undefined;

  constructor(url: string) {
    // `onnotify` is postgres.js's own hook for notifications (its `listen` uses it), not in its typings.
    const options: PostgresOptions & { onnotify: (channel: string, payload: string) => void } = {
      ...CONNECTION_OPTIONS,
      max: 1,
      idle_timeout: 0,
      max_lifetime: null,
      onnotify: (channel, payload) => this.channels.get(channel)?.onNotify(payload),
      onclose: () => {
        this.pid = undefined;
        this.reconnectSoon();
      },
    };
    this.sql = postgres(url, options);
  }

  async listen(
    channel: string,
    onNotify: (payload: string) => void,
    onConnect: () => void,
  ): Promise<() => Promise<void>> {
    this.channels.set(channel, { onNotify, onConnect });
    this.pid = (await this.sql`listen ${this.sql(channel)}`).state.pid;
    onConnect();
    return async () => {
      this.channels.delete(channel);
      await this.sql`unlisten ${this.sql(channel)}`.catch(() => {
        // The connection is gone, and the listen with it.
      });
    };
  }

  private reconnectSoon() {
    if (this.closed || this.retry || this.channels.size === 0) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.reconnect();
    }, RECONNECT_MS);
    this.retry.unref();
  }

  private async reconnect() {
    try {
      let pid: number | undefined;
      for (const channel of this.channels.keys())
        pid = (await this.sql`listen ${this.sql(channel)}`).state.pid;
      this.pid = pid;
    } catch {
      // Still away: its connection's close (or this) schedules the next try.
      this.reconnectSoon();
      return;
    }
    for (const { onConnect } of this.channels.values()) onConnect();
  }

  async close() {
    this.closed = true;
    clearTimeout(this.retry);
    this.channels.clear();
    await this.sql.end({ timeout: 5 });
  }
}

/** Advisory locks in this class are gateway leases; the second key is the lease id. */
const LEASE_LOCK_CLASS = 724_515_002;

/**
 * A connection of its own for the life of the process (never recycled): the lock lives exactly as
 * long as it does, so ending it is the release. Not one reserved from the pool: postgres.js throws
 * an uncaught error writing to a reserved connection the server has closed (a restart, a
 * terminated backend), and the release never answers.
 *
 * When that connection is lost anyway (the server restarted, the backend was terminated), so is
 * the lock: other processes may now take this process for dead and end the steps it runs (its
 * executor then stops them too, as for any step ended elsewhere). The lease is taken again under
 * the same id as soon as the server lets it, so the steps it still runs stay its own.
 */
async function takePostgresLease(url: string): Promise<ProcessLease> {
  let lost = false;
  let released = false;
  let retry: NodeJS.Timeout | undefined;
  const session = postgres(url, {
    ...CONNECTION_OPTIONS,
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    onclose: () => {
      if (released) return;
      if (!lost) log().warn(`Process lease ${id} lost with its database connection; taking it again.`);
      lost = true;
      retakeSoon();
    },
  });
  const tryLock = async (lease: number) => {
    const [row] = await session`select pg_try_advisory_lock(${LEASE_LOCK_CLASS}, ${lease}) as taken`;
    return row?.taken === true;
  };
  const retakeSoon = () => {
    if (released || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      tryLock(id).then(
        (taken) => {
          if (!taken) return retakeSoon(); // Another process is checking whether it is free.
          lost = false;
          log().info(`Process lease ${id} taken again.`);
        },
        () => retakeSoon(),
      );
    }, RECONNECT_MS);
    retry.unref();
  };
  let id = randomInt(1, 2 ** 31 - 1);
  while (!(await tryLock(id))) id = randomInt(1, 2 ** 31 - 1);
  return {
    id: String(id),
    async isHeld(other) {
      if (other === String(id)) return true;
      if (!/^\d{1,10}$/.test(other)) return false;
      // Free means its holder's connection is gone: take it for a moment to be sure, and let go.
      const free = await tryLock(Number(other));
      if (free) await session`select pg_advisory_unlock(${LEASE_LOCK_CLASS}, ${Number(other)})`;
      return !free;
    },
    async release() {
      released = true;
      clearTimeout(retry);
      await session.end({ timeout: 1 });
    },
  };
}

async function openPglite(dataDir: string, logger: QueryLogger): Promise<DatabaseHandle> {
  const client = new PGlite(dataDir);
  await client.waitReady;
  const db = drizzlePglite({ client, logger }) as unknown as Database;
  statementRunners.set(db, async (text, params) => {
    logger?.logQuery(text, [...params]);
    const { fields, rows } = await client.query<unknown[]>(text, [...params], { rowMode: 'array' });
    return rowsOf(
      fields.map((field) => field.name),
      rows,
    );
  });
  return {
    kind: 'pglite',
    db,
    async takeLease() {
      const id = `boot-${randomUUID()}`;
      return { id, isHeld: async (other) => other === id, release: async () => {} };
    },
    async ping() {
      await client.query('select 1');
    },
    // Safe to call twice, as postgres.js's end() is.
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}
