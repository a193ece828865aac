/** A page of jobs with their steps and history costs a constant number of SQL statements. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, type TestDatabase } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, startGateway, type RunningGateway } from './support/gateway.js';

const PAGE = /* GraphQL */ `
  query ($ws: String!, $first: Int!) {
    jobs(workspace: $ws, first: $first) {
      totalCount
      edges {
        node {
          name
          status
          allowedActions
          platformSpec {
            steps {
              name
              executor {
                provider
              }
            }
          }
          steps {
            name
            status
          }
          events(first: 3) {
            totalCount
            nodes {
              status
              previousStatus
              job {
                name
                status
              }
            }
          }
        }
      }
    }
  }
`;

describe.each(databaseKinds)('query cost on $name', (kind) => {
  let database: TestDatabase;
  let server: RunningGateway;
  const statements: string[] = [];

  beforeAll(async () => {
    database = await kind.create();
    server = await startGateway({
      ...database.options,
      // The built-in executor's reads (claims, sweeps), woken by the jobs' events or a timer, are
      // not part of the request, nor are the event feed's own background reads.
      executor: false,
      onQuery: (sql) => !sql.includes('pg_current_snapshot') && statements.push(sql),
    });
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  async function statementsFor(jobCount: number): Promise<number> {
    const ws = uniqueWorkspace();
    for (let i = 0; i < jobCount; i++) {
      const name = `job-${i}`;
      await http(server.url, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps(name, 3));
      await http(server.url, 'POST', `${JOBS}/workspaces/${ws}/jobs/${name}/pause`);
    }
    statements.length = 0;
    const res = await gql(server.url, PAGE, { ws, first: 50 });
    expect(res.errors).toBeUndefined();
    expect(res.data.jobs.edges).toHaveLength(jobCount);
    expect(res.data.jobs.edges[0].node.events.nodes).toHaveLength(2);
    expect(res.data.jobs.edges[0].node.steps).toHaveLength(3);
    return statements.length;
  }

  it('50 jobs cost the same statements as 2', async () => {
    const few = await statementsFor(2);
    const many = await statementsFor(50);
    expect(many).toBe(few);
    // jobs + count + steps + events + the events' jobs (+ their steps): a handful, not 50 of anything.
    expect(many).toBeLessThanOrEqual(6);
  });
});
