/**
 * The tasks of a step over REST, as a controller of a distributed step reports them: a `PUT`
 * creates or replaces one task, concurrent reports of one task leave one row, a refused report
 * stores nothing, and the status tree lists each step's own tasks.
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobStepTasks } from '../src/jobs/tables.js';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, useGateway } from './support/gateway.js';

describe.each(databaseKinds)('step tasks over REST on $name', (kind) => {
  const suite = useGateway(kind, { executor: false });
  const jobs = (ws: string) => `${JOBS}/workspaces/${ws}/jobs`;
  const db = () => suite.server.gateway.database.db;

  async function jobOf(ws: string, name: string, steps = 2) {
    const res = await http(suite.base, 'POST', jobs(ws), jobWithSteps(name, steps));
    expect(res.status).toBe(201);
    const stepIds = await Promise.all(
      ['step-a', 'step-b']
        .slice(0, steps)
        .map(
          async (step) =>
            (await http(suite.base, 'GET', `${jobs(ws)}/${name}/steps/${step}`)).body.id as string,
        ),
    );
    return { job: res.body, stepIds };
  }
  const stored = (stepId: string) =>
    db().select().from(jobStepTasks).where(eq(jobStepTasks.stepId, stepId)).orderBy(jobStepTasks.name);

  it('creates a task, then replaces what was reported of it, keeping its id and creation time', async () => {
    const ws = uniqueWorkspace();
    const { stepIds } = await jobOf(ws, 'distributed');
    const url = `${jobs(ws)}/distributed/steps/step-a/tasks/rank-0`;
    const first = await http(suite.base, 'PUT', url, {
      status: 'active',
      status_details: { node: 'gpu-1' },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      name: 'rank-0',
      workspace: ws,
      step_id: stepIds[0],
      parent: stepIds[0],
      entity_id: first.body.id,
      status: 'active',
      status_details: { node: 'gpu-1' },
      error_details: {},
    });
    expect(first.body.id).toMatch(/^platform-job-task-[1-9A-HJ-NP-Za-km-z]{22}$/);
    const second = await http(suite.base, 'PUT', url, {
      status: 'error',
      error_details: { reason: 'OOMKilled' },
      error_stack: 'Killed',
    });
    expect(second.body).toMatchObject({
      id: first.body.id,
      created_at: first.body.created_at,
      status: 'error',
      status_details: {},
      error_details: { reason: 'OOMKilled' },
      error_stack: 'Killed',
    });
    const rows = await stored(stepIds[0]);
    expect(rows).toEqual([
      expect.objectContaining({ name: 'rank-0', status: 'error', errorStack: 'Killed', statusDetails: {} }),
    ]);
    // The step's own status is untouched by its tasks.
    const step = await http(suite.base, 'GET', `${jobs(ws)}/distributed/steps/step-a`);
    expect(step.body.status).toBe('created');
  });

  it('leaves one task for concurrent reports of it', async () => {
    const ws = uniqueWorkspace();
    const { stepIds } = await jobOf(ws, 'raced', 1);
    const url = `${jobs(ws)}/raced/steps/step-a/tasks/rank-0`;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => http(suite.base, 'PUT', url, { status_details: { report: i } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(await stored(stepIds[0])).toHaveLength(1);
  });

  it('stores nothing for a refused report', async () => {
    const ws = uniqueWorkspace();
    const { stepIds } = await jobOf(ws, 'refused', 1);
    const base = `${jobs(ws)}/refused/steps`;
    const cases: [string, unknown, number][] = [
      [`${base}/step-a/tasks/rank-0`, { status: 'running' }, 422],
      [`${base}/step-a/tasks/rank-0`, { status_details: 'busy' }, 422],
      [`${base}/step-a/tasks/Rank 0`, { status: 'active' }, 422],
      [`${base}/step-z/tasks/rank-0`, { status: 'active' }, 404],
      [`${jobs(ws)}/absent/steps/step-a/tasks/rank-0`, { status: 'active' }, 404],
    ];
    for (const [url, body, status] of cases) {
      const res = await http(suite.base, 'PUT', url, body);
      expect(res.status, url).toBe(status);
      expect(res.body, url).toHaveProperty('detail');
    }
    expect(await stored(stepIds[0])).toEqual([]);
  });

  it('lists each step’s own tasks, in the order first reported, there and in the status tree', async () => {
    const ws = uniqueWorkspace();
    await jobOf(ws, 'two-steps');
    const put = (step: string, task: string, status: string) =>
      http(suite.base, 'PUT', `${jobs(ws)}/two-steps/steps/${step}/tasks/${task}`, { status });
    await put('step-a', 'rank-0', 'pending');
    await put('step-a', 'rank-1', 'active');
    await put('step-b', 'rank-0', 'created');
    const names = (data: { name: string; status: string }[]) => data.map((t) => `${t.name}:${t.status}`);
    const listA = await http(suite.base, 'GET', `${jobs(ws)}/two-steps/steps/step-a/tasks`);
    expect(names(listA.body.data)).toEqual(['rank-0:pending', 'rank-1:active']);
    const tree = await http(suite.base, 'GET', `${jobs(ws)}/two-steps/status`);
    expect(tree.body.steps.map((s: { tasks: { name: string; status: string }[] }) => names(s.tasks))).toEqual(
      [['rank-0:pending', 'rank-1:active'], ['rank-0:created']],
    );
    const missing = await http(suite.base, 'GET', `${jobs(ws)}/two-steps/steps/step-a/tasks/rank-9`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: "Task 'rank-9' not found in step 'step-a' of job 'two-steps'." });
  });
});
