/**
 * Before anything is measured: the bare server's pause must do what the gateway's REST pause does.
 * Pairs of jobs in the same state are paused, one through each, and the answers (status code and
 * body, in key order) and the rows written (job, steps, status events) must be the same up to the
 * job's own identity and timestamps.
 */
import { isDeepStrictEqual } from 'node:util';
import type postgres from 'postgres';
import { jobWithSteps } from '../test/support/fixtures.js';

/** A workspace of its own, so these jobs never show up in the measured list pages. */
const WORKSPACE = 'bench-parity';

type Answer = { status: number; body: string };

async function call(url: string, method: string, body?: unknown): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

/** An answer with the job's own name, ids and timestamps replaced, so two jobs' answers compare. */
function normalise(answer: Answer, name: string): Answer {
  const body = answer.body
    .replaceAll(name, '<name>')
    .replace(/"(id|attempt_id)":"[^"]+"/g, '"$1":"<id>"')
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>');
  return { status: answer.status, body };
}

/** What a pause wrote: statuses, whether updated_at moved with the change, and the events. */
async function written(sql: postgres.Sql, name: string) {
  const [job] = await sql`
    select id, status, updated_at > created_at as moved from jobs where workspace = ${WORKSPACE} and name = ${name}`;
  if (!job) return undefined;
  const steps = await sql`
    select name, status, updated_at > created_at as moved from job_steps where job_id = ${job.id} order by position`;
  const events = await sql`
    select e.status, e.previous_status, e.workspace, e.job_name = ${name} as named, e.occurred_at = j.updated_at as at_update
    from job_status_events e join jobs j on j.id = e.job_id where e.job_id = ${job.id} order by e.xid, e.id`;
  return { status: job.status, moved: job.moved, steps: [...steps], events: [...events] };
}

export async function checkBarePauseParity(gatewayUrl: string, bareUrl: string, sql: postgres.Sql) {
  const jobsUrl = `${gatewayUrl}/apis/jobs/v2/workspaces/${WORKSPACE}/jobs`;
  const doors = {
    gateway: (name: string) => call(`${jobsUrl}/${name}/pause`, 'POST', {}),
    bare: (name: string) => call(`${bareUrl}/pause/${WORKSPACE}/${name}`, 'POST', {}),
  };
  const cases: { what: string; job?: object; before?: (name: string) => Promise<unknown>; again?: true }[] = [
    { what: 'a created job of two steps', job: { steps: 2 } },
    { what: 'a job paused twice (the second is a no-op)', job: { steps: 1 }, again: true },
    {
      what: 'an active job whose first step completed',
      job: { steps: 2 },
      before: async (name) => {
        await call(`${jobsUrl}/${name}/steps/step-a/status`, 'PATCH', { status: 'active' });
        await call(`${jobsUrl}/${name}/steps/step-a/status`, 'PATCH', { status: 'completed' });
        await call(`${jobsUrl}/${name}/steps/step-b/status`, 'PATCH', { status: 'active' });
      },
    },
    {
      what: 'a cancelled job (409)',
      job: { steps: 1 },
      before: (name) => call(`${jobsUrl}/${name}/cancel`, 'POST', {}),
    },
    {
      what: 'a running step that cannot be paused (409)',
      job: { steps: 1, lifecycle: { pause_deadline_seconds: 0 } },
      before: (name) => call(`${jobsUrl}/${name}/steps/step-a/status`, 'PATCH', { status: 'active' }),
    },
    { what: 'a job that does not exist (404)' },
  ];
  for (const [i, c] of cases.entries()) {
    const results = [];
    for (const door of ['gateway', 'bare'] as const) {
      const name = `parity-${i}-${door}`;
      if (c.job) {
        const { steps, lifecycle } = c.job as { steps: number; lifecycle?: Record<string, number> };
        const created = await call(jobsUrl, 'POST', jobWithSteps(name, steps, lifecycle));
        if (created.status !== 201) throw new Error(`could not create ${name}: ${created.body}`);
      }
      await c.before?.(name);
      let answer = await doors[door](name);
      if (c.again) answer = await doors[door](name);
      results.push({ answer: normalise(answer, name), rows: await written(sql, name) });
    }
    if (!isDeepStrictEqual(results[0], results[1])) {
      throw new Error(
        `The bare server's pause differs from the gateway's for ${c.what}:\n` +
          `gateway: ${JSON.stringify(results[0], null, 1)}\nbare:    ${JSON.stringify(results[1], null, 1)}`,
      );
    }
  }
}
