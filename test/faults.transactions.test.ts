/**
 * A write that fails part-way leaves nothing half-written: each status change and each create is
 * one transaction. The failure is injected in the database itself (a trigger that refuses the
 * last row the write needs), on PGlite and PostgreSQL.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, useGateway } from './support/gateway.js';

describe.each(databaseKinds)('a failed write on $name', (kind) => {
  const suite = useGateway(kind, { executor: false });
  const execute = (statement: ReturnType<typeof sql>) => suite.server.gateway.database.db.execute(statement);

  /** Refuses every status event of `status` until dropped: the last statement of a status change. */
  async function refuseEvents(status: string) {
    await execute(sql`
      create or replace function refuse_event() returns trigger language plpgsql as $$
      begin
        if new.status = ${sql.raw(`'${status}'`)} then raise exception 'injected failure'; end if;
        return new;
      end $$`);
    await execute(sql`
      create trigger refuse_event before insert on job_status_events
      for each row execute function refuse_event()`);
    return () => execute(sql`drop trigger refuse_event on job_status_events`);
  }

  it('a pause whose event cannot be written changes neither the job nor its steps', async () => {
    const ws = uniqueWorkspace();
    const job = `${JOBS}/workspaces/${ws}/jobs/atomic`;
    await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps('atomic', 2));
    await http(suite.base, 'PATCH', `${job}/steps/step-a/status`, { status: 'active' });
    const before = await http(suite.base, 'GET', `${job}/status`);

    const allow = await refuseEvents('pausing');
    try {
      const paused = await http(suite.base, 'POST', `${job}/pause`, {});
      expect(paused.status).toBe(500);
      expect(paused.body).toEqual({ detail: 'Internal Server Error', request_id: expect.any(String) });
      expect(paused.text).not.toMatch(/injected|insert|job_status_events/);
    } finally {
      await allow();
    }
    const after = await http(suite.base, 'GET', `${job}/status`);
    expect(after.body).toEqual(before.body);
    const history = await gql(
      suite.base,
      `{ job(workspace: "${ws}", name: "atomic") { events { nodes { status } } } }`,
    );
    expect(history.data.job.events.nodes).toEqual([{ status: 'CREATED' }, { status: 'ACTIVE' }]);

    // Nothing was left locked or half-done: the same pause goes through now.
    const again = await http(suite.base, 'POST', `${job}/pause`, {});
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('pausing');
  });

  it('a create whose first event cannot be written leaves no job and no steps', async () => {
    const ws = uniqueWorkspace();
    const allow = await refuseEvents('created');
    try {
      const created = await http(
        suite.base,
        'POST',
        `${JOBS}/workspaces/${ws}/jobs`,
        jobWithSteps('ghost', 3),
      );
      expect(created.status).toBe(500);
    } finally {
      await allow();
    }
    expect((await http(suite.base, 'GET', `${JOBS}/workspaces/${ws}/jobs/ghost`)).status).toBe(404);
    const steps = await execute(
      sql`select count(*)::int as n from job_steps s join jobs j on j.id = s.job_id where j.workspace = ${ws}`,
    );
    const rows = Array.isArray(steps) ? steps : (steps as { rows: unknown[] }).rows;
    expect(rows).toEqual([{ n: 0 }]);
    // The name is free: nothing of the failed create holds it.
    const retried = await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps('ghost', 3));
    expect(retried.status).toBe(201);
  });
});
