/**
 * The per-workspace job counts behind an unfiltered list's total: the database keeps them (a
 * statement trigger on `jobs`), and the migration that introduced them counted the jobs already there.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { countJobs } from '../src/jobs/job-list.js';
import { databaseKinds } from './support/databases.js';

const MIGRATIONS = fileURLToPath(new URL('../drizzle', import.meta.url));

/** Applies the migrations up to and including `lastTag`, as an older gateway would have. */
async function migrateUpTo(handle: DatabaseHandle, lastTag: string) {
  const folder = mkdtempSync(join(tmpdir(), 'migrations-'));
  try {
    cpSync(MIGRATIONS, folder, { recursive: true });
    const journalFile = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    const last = journal.entries.findIndex((entry) => entry.tag === lastTag);
    expect(last).toBeGreaterThanOrEqual(0);
    journal.entries = journal.entries.slice(0, last + 1);
    writeFileSync(journalFile, JSON.stringify(journal));
    if (handle.kind === 'pglite')
      await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder: folder });
    else await migratePostgres(handle.db as unknown as PostgresJsDatabase, { migrationsFolder: folder });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** `n` bare job rows in `workspace`, written as SQL (no gateway of this version involved). */
const insertJobs = (handle: DatabaseHandle, workspace: string, n: number, from = 0) =>
  handle.db
    .execute(sql`insert into jobs (id, workspace, name, attempt_id, source, spec, status, created_at, updated_at)
    select ${workspace} || '-' || g, ${workspace}, 'job-' || g, 'attempt-' || g, 'tests', '{}', 'created', now(), now()
    from generate_series(${from + 1}::int, ${from + n}::int) as g`);

describe.each(databaseKinds)('job counts on $name', (kind) => {
  it('counts the jobs that were there before, then follows every insert and delete', async () => {
    const database = await kind.create();
    const handle = await openDatabase(database.options);
    try {
      await migrateUpTo(handle, '0005_step_tasks_and_results');
      await insertJobs(handle, 'early', 3);
      await insertJobs(handle, 'other', 2);
      await migrateDatabase(handle, database.options.databaseUrl);

      expect(await countJobs(handle.db, 'early', {})).toBe(3);
      expect(await countJobs(handle.db, ['early', 'other'], {})).toBe(5);
      expect(await countJobs(handle.db, undefined, {})).toBe(5);
      expect(await countJobs(handle.db, 'nobody', {})).toBe(0);
      expect(await countJobs(handle.db, [], {})).toBe(0);

      // Several rows in one statement, across workspaces, both ways.
      await insertJobs(handle, 'early', 4, 3);
      await handle.db.execute(sql`delete from jobs where workspace = 'other' or id = 'early-1'`);
      expect(await countJobs(handle.db, 'early', {})).toBe(6);
      expect(await countJobs(handle.db, 'other', {})).toBe(0);
      expect(await countJobs(handle.db, undefined, {})).toBe(6);
      // A filtered count reads the jobs themselves, and agrees.
      expect(await countJobs(handle.db, 'early', { source: ['tests'] })).toBe(6);

      // An operator's bulk load and prune: one statement each, and several in one transaction.
      await insertJobs(handle, 'bulk', 20_000);
      await handle.db.execute(sql`delete from jobs where workspace = 'bulk' and name like 'job-1%'`);
      expect(await countJobs(handle.db, 'bulk', {})).toBe(20_000 - 11_111);
      await handle.db.transaction(async (tx) => {
        await tx.execute(sql`delete from jobs where workspace = 'bulk'`);
        await tx.execute(sql`delete from jobs where id = 'early-2'`);
        await tx.execute(sql`insert into jobs (id, workspace, name, attempt_id, source, spec, status, created_at, updated_at)
          values ('other-x', 'other', 'x', 'a', 'tests', '{}', 'created', now(), now())`);
      });
      expect(await countJobs(handle.db, 'bulk', {})).toBe(0);
      expect(await countJobs(handle.db, undefined, {})).toBe(6);
      expect(await countJobs(handle.db, ['early', 'other'], {})).toBe(6);
    } finally {
      await handle.close();
      await database.drop();
    }
  });
});
