/** Jobs, steps and history are in the database, not the process: they survive a restart. */
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
