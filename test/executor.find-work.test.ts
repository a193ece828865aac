/**
 * The built-in executor looks for its work on every job created, in every gateway process. Among
 * many steps waiting for other executors (controllers' container steps), that look must read only
 * its own steps, not every waiting step.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { runStatement } from '../src/db/client.js';
import { STEP_STATUSES_AWAITING_EXECUTOR } from '../src/jobs/lifecycle.js';
import { pageSteps } from '../src/jobs/repository.js';
import { databaseKinds, useMigratedDatabase } from './support/databases.js';

describe.each(databaseKinds)('looking for the built-in executor’s work on $name', (kind) => {
  const suite = useMigratedDatabase(kind);

  beforeAll(async () => {
    const { handle } = suite;
    // 20,000 jobs waiting for a controller, and 3 for the built-in executor.
    await handle.db
      .execute(sql`insert into jobs (id, workspace, name, attempt_id, source, spec, status, created_at, updated_at)
      select 'job-' || g, 'ws', 'job-' || g, 'attempt-' || g, 'tests', '{}', 'created', now(), now()
      from generate_series(1, 20003) as g`);
    await handle.db
      .execute(sql`insert into job_steps (id, job_id, position, name, executor, status, created_at, updated_at)
      select 'step-' || g, 'job-' || g, 0, 'main',
        case when g > 20000 then '{"provider":"subprocess","profile":"default"}' else '{"provider":"cpu","profile":"default"}' end::json,
        'created', now(), now()
      from generate_series(1, 20003) as g`);
    await handle.db.execute(sql`analyze job_steps`);
  }, 60_000);

  const lookForWork = () =>
    pageSteps(suite.handle.db, {
      provider: 'subprocess',
      status: [...STEP_STATUSES_AWAITING_EXECUTOR],
      current: true,
      limit: 100,
      offset: 0,
    });

  it('finds the three steps, by the index of its own steps, without reading the others', async () => {
    const found = await lookForWork();
    expect(found.map((row) => row.job.name).sort()).toEqual(['job-20001', 'job-20002', 'job-20003']);

    const { sql: text, params } = lookForWork().toSQL();
    const [plan] = await runStatement(suite.handle.db, `explain (analyze, format json) ${text}`, params, {
      prepare: false,
    });
    const json = JSON.stringify(plan);
    expect(json).toContain('job_steps_subprocess_status_idx');
    // No node of the plan reads the 20,000 other steps (a scan of job_steps would: Actual Rows).
    const rowsRead = [...json.matchAll(/"Relation Name":"job_steps"[^}]*?"Actual Rows":(\d+)/g)].map((m) =>
      Number(m[1]),
    );
    expect(Math.max(0, ...rowsRead)).toBeLessThan(100);
  });
});
