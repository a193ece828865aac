/** A page of jobs with their steps, tasks, results and history costs a constant number of SQL statements. */
import { describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, useGateway } from './support/gateway.js';

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
            tasks {
              name
            }
          }
          results {
            name
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
  const statements: string[] = [];
  const suite = useGateway(kind, {
    // The built-in executor's reads (claims, sweeps), woken by the jobs' events or a timer, are
    // not part of the request, nor are the event feed's own background reads.
    executor: false,
    onQuery: (sql) => !sql.includes('pg_current_snapshot') && statements.push(sql),
  });

  async function statementsFor(jobCount: number): Promise<number> {
    const ws = uniqueWorkspace();
    for (let i = 0; i < jobCount; i++) {
      const name = `job-${i}`;
      await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps(name, 3));
      await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs/${name}/pause`);
    }
    statements.length = 0;
    const res = await gql(suite.base, PAGE, { ws, first: 50 });
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
    // jobs + count + steps + events + the events' jobs (+ their steps) + tasks + results: a
    // handful, not 50 of anything.
    expect(many).toBeLessThanOrEqual(8);
  });
});
