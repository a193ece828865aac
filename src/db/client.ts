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
import postgres from 'postgres';

/** Drizzle's query builder only: the tables live with their domains, and no relational queries are used. */
export type Database = PgDatabase<PgQueryResultHKT>;

export interface CrossProcessChannel {
  /** Calls `onNotify` for each notification and `onConnect` each time the listener (re)connects. */
  listen(channel: string, onNotify: () => void, onConnect: () => void): Promise<() => Promise<void>>;
  notify(channel: string): Promise<void>;
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
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir?: string;
  /** Called with every SQL statement Drizzle sends (for query-count checks). */
  onQuery?: (sql: string) => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const logger = options.onQuery && { logQuery: (query: string) => options.onQuery!(query) };
  if (options.databaseUrl) return openPostgres(options.databaseUrl, logger);
  return openPglite(options.dataDir ?? 'memory://', logger);
}

type QueryLogger = { logQuery(query: string, params: unknown[]): void } | undefined;

function openPostgres(url: string, logger: QueryLogger): DatabaseHandle {
  const sql = postgres(url, { max: 10, onnotice: () => {} });
  // The listening connection's server process: postgres.js updates it when it reconnects.
  let listener: postgres.State | undefined;
  return {
    kind: 'postgres',
    db: drizzlePostgres({ client: sql, logger }),
    channel: {
      async listen(channel, onNotify, onConnect) {
        const listening = await sql.listen(channel, onNotify, onConnect);
        listener = listening.state;
        return () => listening.unlisten();
      },
      async notify(channel) {
        await sql.notify(channel, '');
      },
      async isListening() {
        if (!listener?.pid) return false;
        const rows = await sql`select 1 from pg_stat_activity where pid = ${listener.pid}`;
        return rows.length > 0;
      },
    },
    takeLease: () => takePostgresLease(url),
    async ping() {
      await sql`select 1`;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

/** Advisory locks in this class are gateway leases; the second key is the lease id. */
const LEASE_LOCK_CLASS = 724_515_002;

async function takePostgresLease(url: string): Promise<ProcessLease> {
  // A connection of its own for the life of the process (max_lifetime 0: never recycled): the lock
  // lives exactly as long as it does, so ending it is the release. Not one reserved from the pool:
  // postgres.js throws an uncaught error writing to a reserved connection the server has closed (a
  // restart, a terminated backend), and the release never answers.
  const session = postgres(url, { max: 1, max_lifetime: 0, onnotice: () => {} });
  let id: number;
  for (;;) {
    id = randomInt(1, 2 ** 31 - 1);
    const [row] = await session`select pg_try_advisory_lock(${LEASE_LOCK_CLASS}, ${id}) as taken`;
    if (row?.taken) break;
  }
  return {
    id: String(id),
    async isHeld(other) {
      if (other === String(id)) return true;
      if (!/^\d{1,10}$/.test(other)) return false;
      // Free means its holder's connection is gone: take it for a moment to be sure, and let go.
      const [row] = await session`select pg_try_advisory_lock(${LEASE_LOCK_CLASS}, ${Number(other)}) as free`;
      const free = row?.free === true;
      if (free) await session`select pg_advisory_unlock(${LEASE_LOCK_CLASS}, ${Number(other)})`;
      return !free;
    },
    async release() {
      await session.end({ timeout: 1 });
    },
  };
}

async function openPglite(dataDir: string, logger: QueryLogger): Promise<DatabaseHandle> {
  const client = new PGlite(dataDir);
  await client.waitReady;
  return {
    kind: 'pglite',
    db: drizzlePglite({ client, logger }) as unknown as Database,
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
