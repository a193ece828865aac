/** Jobs, steps and history are in the database, not the process: they survive a restart; start-up migrates once. */
import { readdirSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, type TestDatabase } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, startGateway } from './support/gateway.js';

describe.each(databaseKinds)('restart on $name', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await kind.create();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('serves the same job, status and history after the gateway restarts', async () => {
    const ws = uniqueWorkspace();
    const first = await startGateway(database.options);
    await http(first.url, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps('durable', 2));
    const paused = await http(first.url, 'POST', `${JOBS}/workspaces/${ws}/jobs/durable/pause`, {});
    await first.close();

    const second = await startGateway(database.options);
    try {
      const again = await http(second.url, 'GET', `${JOBS}/workspaces/${ws}/jobs/durable`);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(paused.body);
      const history = await gql(
        second.url,
        `{ job(workspace: "${ws}", name: "durable") { steps { name status } events { nodes { status } } } }`,
      );
      expect(history.data.job).toEqual({
        steps: [
          { name: 'step-a', status: 'PAUSING' },
          { name: 'step-b', status: 'CREATED' },
        ],
        events: { nodes: [{ status: 'CREATED' }, { status: 'PAUSING' }] },
      });
    } finally {
      await second.close();
    }
  });
});

const postgresOnly = databaseKinds.filter((k) => k.name === 'postgres');

describe.skipIf(postgresOnly.length === 0).each(postgresOnly)('start-up on $name', (kind) => {
  it('migrates a fresh database once when several gateways start at the same moment', async () => {
    const database = await kind.create();
    try {
      const gateways = await Promise.all(Array.from({ length: 4 }, () => startGateway(database.options)));
      try {
        const ws = uniqueWorkspace();
        const created = await http(
          gateways[0].url,
          'POST',
          `${JOBS}/workspaces/${ws}/jobs`,
          jobWithSteps('shared'),
        );
        expect(created.status).toBe(201);
        for (const { url } of gateways) {
          expect((await http(url, 'GET', `${JOBS}/workspaces/${ws}/jobs/shared`)).body).toEqual(created.body);
        }
        const applied = await gateways[0].gateway.database.db.execute(
          sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
        );
        const rows = Array.isArray(applied) ? applied : (applied as { rows: unknown[] }).rows;
        expect(rows).toEqual([
          { n: readdirSync(new URL('../drizzle', import.meta.url)).filter((f) => f.endsWith('.sql')).length },
        ]);
      } finally {
        await Promise.all(gateways.map((g) => g.close()));
      }
    } finally {
      await database.drop();
    }
  });
});
