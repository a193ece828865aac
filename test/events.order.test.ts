/**
 * A job's events in the order its changes committed, under contention: clients racing pause,
 * resume and step reports on one job, then its history read in the feed's order, `(xid, id)`, and
 * through GraphQL, must chain (each event's previous status is the one before it), with times that
 * never go back.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, useGateway } from './support/gateway.js';

const ROUNDS = 30;
const CLIENTS = 4;
const REQUESTS = 12;
const MOVES = ['pause', 'resume', 'active', 'paused', 'resuming', 'cancelled', 'completed'] as const;

const EVENTS = /* GraphQL */ `
  query ($ws: String!) {
    job(workspace: $ws, name: "raced") {
      events(first: 500) {
        nodes {
          status
          previousStatus
        }
      }
    }
  }
`;

interface Change {
  status: string;
  previous: string | null;
}

/** Where a history's times stop following its order: the first event stamped before the one before it. */
const timeBreakIn = (times: Date[]) => times.findIndex((t, i) => i > 0 && t < times[i - 1]);

/** Where a history stops chaining: the index of the first event whose previous status is not the one before it. */
const breakIn = (history: Change[]) =>
  history.findIndex((e, i) => i > 0 && e.previous !== history[i - 1].status);

describe.each(databaseKinds)('event order under contention on $name', (kind) => {
  const suite = useGateway(kind, { executor: false });

  it(`keeps each job's history in commit order (${ROUNDS} rounds, ${CLIENTS} clients)`, async () => {
    const broken: { round: number; history: Change[] }[] = [];
    const outOfTime: { round: number; times: Date[] }[] = [];
    let changes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const ws = uniqueWorkspace();
      const jobs = `${JOBS}/workspaces/${ws}/jobs`;
      expect((await http(suite.base, 'POST', jobs, jobWithSteps('raced'))).status).toBe(201);
      const client = async () => {
        for (let i = 0; i < REQUESTS; i++) {
          const move = MOVES[Math.floor(Math.random() * MOVES.length)];
          const res =
            move === 'pause' || move === 'resume'
              ? await http(suite.base, 'POST', `${jobs}/raced/${move}`)
              : await http(suite.base, 'PATCH', `${jobs}/raced/steps/step-a/status`, { status: move });
          expect([200, 409]).toContain(res.status);
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));

      const result = await suite.server.gateway.database.db.execute(
        sql`select status, previous_status as previous, occurred_at as at from job_status_events
            where workspace = ${ws} order by xid, id`,
      );
      const stamped = ((result as { rows?: unknown[] }).rows ?? result) as (Change & { at: Date | string })[];
      const rows: Change[] = stamped.map(({ status, previous }) => ({ status, previous }));
      // Each change is stamped once it holds the job, so times follow the order too.
      const times = stamped.map((row) => new Date(row.at));
      if (timeBreakIn(times) !== -1) outOfTime.push({ round, times });
      changes += rows.length;
      if (breakIn(rows) !== -1) broken.push({ round, history: rows });

      const seen = await gql(suite.base, EVENTS, { ws });
      const history = (seen.data.job.events.nodes as { status: string; previousStatus: string | null }[]).map(
        (e) => ({ status: e.status.toLowerCase(), previous: e.previousStatus?.toLowerCase() ?? null }),
      );
      expect(history).toEqual(rows);
    }
    expect(broken).toEqual([]);
    expect(outOfTime).toEqual([]);
    // The race did make changes: the check is not passing on empty histories.
    expect(changes).toBeGreaterThan(ROUNDS * 3);
  }, 300_000);
});
