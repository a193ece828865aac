/**
 * Applies the drizzle-kit migrations in `drizzle/`. On PostgreSQL several gateway processes may
 * start at once, so the migrator runs under a session advisory lock on one dedicated connection.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles, type MigrationMeta } from 'drizzle-orm/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import postgres from 'postgres';
import { CONNECTION_OPTIONS, type DatabaseHandle } from './client.js';
import { databaseUnavailable } from './unavailable.js';

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Arbitrary but fixed: every gateway process must take the same lock. */
const MIGRATION_LOCK_KEY = 724_515_001;

export interface MigrateOptions {
  /**
   * How long to keep trying while the database is unavailable (not up yet, as when it starts in the
   * same compose file), in ms; 0 tries once.
   */
  waitMs?: number;
  /** Where the "waiting for the database" lines go. */
  log?: (line: string) => void;
}

/** How often to try again while the database is not up yet (ms). */
const RETRY_MS = 1000;
/** A "still waiting" line at most this often (ms). */
const REPORT_MS = 10_000;

export async function migrateDatabase(
  handle: DatabaseHandle,
  databaseUrl?: string,
  { waitMs = 0, log = (line) => console.error(line) }: MigrateOptions = {},
): Promise<void> {
  if (handle.kind === 'pglite') {
    await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder });
    return;
  }
  const started = Date.now();
  let reportedAt: number | undefined;
  for (;;) {
    try {
      await migratePostgres(databaseUrl!);
      if (reportedAt !== undefined)
        log(`Database is up after ${seconds(Date.now() - started)} s; migrations applied.`);
      return;
    } catch (error) {
      const unavailable = databaseUnavailable(error);
      const waited = Date.now() - started;
      if (!unavailable) throw error;
      if (waited + RETRY_MS > waitMs) {
        throw new Error(
          `The database is unavailable (${unavailable.reason}) and did not come up within ${seconds(waitMs)} s; DATABASE_STARTUP_TIMEOUT_SECONDS sets how long to wait.`,
        );
      }
      if (reportedAt === undefined || waited - reportedAt >= REPORT_MS) {
        log(
          `Waiting for the database (${unavailable.reason}): ${seconds(waited)} s so far, up to ${seconds(waitMs)} s.`,
        );
        reportedAt = waited;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

const seconds = (ms: number) => Math.round(ms / 1000);

async function migratePostgres(databaseUrl: string): Promise<void> {
  // max: 1 keeps the lock, the migrator's transaction and the unlock on one session.
  const session = postgres(databaseUrl, { ...CONNECTION_OPTIONS, max: 1 });
  try {
    await session`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await migrate(drizzlePostgres({ client: session }), { migrationsFolder });
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
