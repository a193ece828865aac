/**
 * Rows of hand-written statements come back as the drivers' own object rows would: every column
 * under its name, a repeated name holding its last column, whatever a column's name spells.
 */
import { describe, expect, it } from 'vitest';
import { runStatement } from '../src/db/client.js';
import { databaseKinds, useMigratedDatabase } from './support/databases.js';

describe.each(databaseKinds)('rows of a hand-written statement on $name', (kind) => {
  const suite = useMigratedDatabase(kind);

  it('has every column of a wide row, by name, with its value as the driver reads it', async () => {
    const columns = Array.from({ length: 40 }, (_, i) => `${i}::int as "c${i}"`).join(', ');
    const rows = await runStatement(suite.handle.db, `select ${columns}, $1::text as label`, ['x']);
    expect(rows).toEqual([
      { ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`c${i}`, i])), label: 'x' },
    ]);
  });

  it('gives a repeated name its last column, and reads any name as a name', async () => {
    const awkward = 'x"]; throw new Error("injected"); //\\ \u2028 }';
    const rows = await runStatement(
      suite.handle.db,
      `select 1 as "a", 2 as "a", 3 as "${awkward.replaceAll('"', '""')}" from generate_series(1, $1::int)`,
      [2],
      { prepare: false },
    );
    expect(rows).toEqual([
      { a: 2, [awkward]: 3 },
      { a: 2, [awkward]: 3 },
    ]);
  });

  it('gives no rows for a statement that finds none', async () => {
    expect(await runStatement(suite.handle.db, 'select 1 as one where false', [])).toEqual([]);
  });
});
