/**
 * Opens the database: PostgreSQL through postgres.js when a URL is given, embedded PGlite
 * otherwise. Both are used through the same Drizzle API; `listen`/`notify` exist only where
 * other processes can share the database.
 */
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface CrossProcessChannel {
  /** Calls `onNotify` for each notification and `onConnect` each time the listener (re)connects. */
  listen(channel: string, onNotify: () => void, onConnect: () => void): Promise<() => Promise<void>>;
  notify(channel: string): Promise<void>;
}

export interface DatabaseHandle {
  kind: 'postgres' | 'pglite';
  db: Database;
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
  return {
    kind: 'postgres',
    db: drizzlePostgres({ client: sql, schema, logger }) as unknown as Database,
    channel: {
      async listen(channel, onNotify, onConnect) {
        const { unlisten } = await sql.listen(channel, onNotify, onConnect);
        return unlisten;
      },
      async notify(channel) {
        await sql.notify(channel, '');
      },
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string, logger: QueryLogger): Promise<DatabaseHandle> {
  const client = new PGlite(dataDir);
  await client.waitReady;
  return {
    kind: 'pglite',
    db: drizzlePglite({ client, schema, logger }) as unknown as Database,
    close: () => client.close(),
  };
}
