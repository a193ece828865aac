/**
 * The databases every suite runs on: embedded PGlite always, and PostgreSQL as well when
 * TEST_DATABASE_URL is set. Each PostgreSQL suite gets a database of its own, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';

export interface TestDatabase {
  /** Gateway options for this database; every gateway started with them shares its data. */
  options: { databaseUrl?: string; dataDir?: string };
  drop(): Promise<void>;
}

export interface DatabaseKind {
  name: 'pglite' | 'postgres';
  create(): Promise<TestDatabase>;
}

const pglite: DatabaseKind = {
  name: 'pglite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'jobs-gateway-'));
    return { options: { dataDir: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

/** A fresh database on the PostgreSQL server of `adminUrl`, for one suite or one benchmark run. */
export async function createPostgresDatabase(
  adminUrl: string,
  prefix = 'gateway_test',
): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    options: { databaseUrl: url.toString() },
    async drop() {
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

const postgresKind = (adminUrl: string): DatabaseKind => ({
  name: 'postgres',
  create: () => createPostgresDatabase(adminUrl),
});

export const databaseKinds: DatabaseKind[] = [
  pglite,
  ...(process.env.TEST_DATABASE_URL ? [postgresKind(process.env.TEST_DATABASE_URL)] : []),
];

/**
 * Opens `database` and applies the migrations, as a gateway would at start-up, for suites that
 * use the domain modules directly. On PostgreSQL each call is a separate connection pool, as a
 * separate process would have.
 */
export async function openMigrated(
  database: TestDatabase,
  onQuery?: (sql: string) => void,
): Promise<DatabaseHandle> {
  const handle = await openDatabase({ ...database.options, onQuery });
  await migrateDatabase(handle, database.options.databaseUrl);
  return handle;
}

/**
 * A suite's own database, migrated, with a handle open on it for the suite's tests; closed and
 * dropped after them. The suite's own `beforeAll` hooks, registered after this, run once it is open.
 */
export function useMigratedDatabase(kind: DatabaseKind) {
  const suite = {} as { database: TestDatabase; handle: DatabaseHandle };
  beforeAll(async () => {
    suite.database = await kind.create();
    suite.handle = await openMigrated(suite.database);
  });
  afterAll(async () => {
    await suite.handle?.close();
    await suite.database?.drop();
  });
  return suite;
}
