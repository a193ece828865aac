/**
 * Applies the drizzle-kit migrations in `drizzle/`. On PostgreSQL several gateway processes may
 * start at once, so the migrator runs under a session advisory lock on one dedicated connection.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles, type MigrationMeta } from 'drizzle-orm/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import postgres from 'postgres';
import type { DatabaseHandle } from './client.js';

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Arbitrary but fixed: every gateway process must take the same lock. */
const MIGRATION_LOCK_KEY = 724_515_001;

export async function migrateDatabase(handle: DatabaseHandle, databaseUrl?: string): Promise<void> {
  if (handle.kind === 'pglite') {
    await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder });
    return;
  }
  // max: 1 keeps the lock, the migrator's transaction and the unlock on one session.
  const session = postgres(databaseUrl!, { max: 1, onnotice: () => {} });
  try {
    await session`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await migratePostgres(drizzlePostgres({ client: session }), { migrationsFolder });
    } finally {
      await session`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    await session.end({ timeout: 5 });
  }
}

let migrations: MigrationMeta[] | undefined;

/**
 * How many migrations of `drizzle/` the database lacks, by the migrator's own rule: those newer
 * than the last one it recorded.
 */
export async function pendingMigrations(handle: DatabaseHandle): Promise<number> {
  migrations ??= readMigrationFiles({ migrationsFolder });
  const result: unknown = await handle.db.execute<{ last: string | null }>(
    sql`select max(created_at)::text as last from drizzle.__drizzle_migrations`,
  );
  // postgres.js gives the rows, PGlite a result holding them.
  const rows = Array.isArray(result)
    ? (result as { last: string | null }[])
    : (result as { rows: { last: string | null }[] }).rows;
  const [row] = rows;
  const last = Number(row?.last ?? 0);
  return migrations.filter((migration) => migration.folderMillis > last).length;
}
