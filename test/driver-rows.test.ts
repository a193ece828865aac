/**
 * Rows of hand-written statements come back as the drivers' own object rows would: every column
 * under its name, a repeated name holding its last column, whatever a column's name spells.
 */
import { describe, expect, it } from 'vitest';
import { runStatement } from '../src/db/client.js';
import { databaseKinds, useMigratedDatabase } from './support/databases.js';
import { jobWithSteps } from './support/fixtures.js';
import { PROCESS_TEST_MS, startGatewayProcess } from './support/process.js';

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

describe('a gateway that may not compile code from text', () => {
  it(
    'reads jobs as usual under node --disallow-code-generation-from-strings',
    async () => {
      const gateway = await startGatewayProcess(
        { DATA_DIR: 'memory://' },
        { command: [process.execPath, '--disallow-code-generation-from-strings', 'dist/main.js'] },
      );
      try {
        const jobs = `${gateway.url}/apis/jobs/v2/workspaces/hardened/jobs`;
        const created = await fetch(jobs, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(jobWithSteps('one', 2)),
        });
        expect(created.status).toBe(201);
        const one = await fetch(`${jobs}/one`);
        expect(one.status).toBe(200);
        const listed = await fetch(jobs);
        expect(listed.status).toBe(200);
        const page = (await listed.json()) as { data: unknown[] };
        expect(page.data).toEqual([await one.json()]);
        expect((page.data[0] as { platform_spec: { steps: unknown[] } }).platform_spec.steps).toHaveLength(2);
      } finally {
        await gateway.stop();
      }
    },
    PROCESS_TEST_MS,
  );
});
