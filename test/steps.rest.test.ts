/**
 * The controller side of REST: listing steps, reporting a step's status, the status tree and the
 * execution profiles; and the resume, cancel and delete endpoints on their happy paths.
 */
import { describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, useGateway } from './support/gateway.js';
import { reachStatus } from './support/lifecycle.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe.each(databaseKinds)('steps and status over REST on $name', (kind) => {
  const suite = useGateway(kind);

  const jobs = (ws: string) => `${JOBS}/workspaces/${ws}/jobs`;
  const steps = (ws: string, job: string, query = '') =>
    http(suite.base, 'GET', `${jobs(ws)}/${job}/steps${query}`);
  const patchStep = (
    ws: string,
    job: string,
    step: string,
    body: unknown,
    headers?: Record<string, string>,
  ) => http(suite.base, 'PATCH', `${jobs(ws)}/${job}/steps/${step}/status`, body, headers);
  async function create(ws: string, name: string, stepCount = 1) {
    const res = await http(suite.base, 'POST', jobs(ws), jobWithSteps(name, stepCount));
    expect(res.status).toBe(201);
    return res.body;
  }
  type Step = { name: string; job: string; workspace: string; status: string };
  const keys = (data: Step[]) => data.map((s) => `${s.workspace}/${s.job}/${s.name}`);

  describe('GET …/jobs/{name}/steps', () => {
    it("lists a job's steps in order, with their runtime status and spec", async () => {
      const ws = uniqueWorkspace();
      const job = await create(ws, 'two-steps', 2);
      const res = await steps(ws, 'two-steps');
      expect(res.status).toBe(200);
      expect(res.body.pagination).toEqual({
        page: 1,
        page_size: 25,
        current_page_size: 2,
        total_pages: 1,
        total_results: 2,
      });
      expect(res.body).not.toHaveProperty('filter');
      expect(res.body.data).toEqual([
        {
          id: expect.any(String),
          name: 'step-a',
          status: 'created',
          status_details: {},
          error_details: {},
          created_at: job.created_at,
          updated_at: job.created_at,
          job_id: job.id,
          job: 'two-steps',
          workspace: ws,
          spec: job.platform_spec.steps[0],
          // Upstream's step fields.
          step_spec: job.platform_spec.steps[0],
          fileset: 'job-fileset-two-steps',
          attempt_id: job.attempt_id,
          config: {},
          created_by: null,
          updated_by: null,
          entity_id: res.body.data[0].id,
          parent: job.attempt_id,
        },
        expect.objectContaining({ name: 'step-b', job: 'two-steps', spec: job.platform_spec.steps[1] }),
      ]);
      expect(res.body.data[0].id).not.toBe(res.body.data[1].id);
    });

    it('takes - as the job name for every job of a workspace, and as the workspace for all of them', async () => {
      const ws1 = uniqueWorkspace();
      const ws2 = uniqueWorkspace();
      await create(ws1, 'first', 2);
      await create(ws1, 'second');
      await create(ws2, 'first');

      const workspace = await steps(ws1, '-', '?page_size=100');
      expect(keys(workspace.body.data)).toEqual([
        `${ws1}/first/step-a`,
        `${ws1}/first/step-b`,
        `${ws1}/second/step-a`,
      ]);
      expect(workspace.body.pagination.total_results).toBe(3);

      const named = await steps('-', 'first', '?page_size=100');
      expect(keys(named.body.data).filter((k) => k.startsWith(ws1) || k.startsWith(ws2))).toEqual([
        `${ws1}/first/step-a`,
        `${ws1}/first/step-b`,
        `${ws2}/first/step-a`,
      ]);
      expect(named.body.data.every((s: Step) => s.job === 'first')).toBe(true);

      const everything = await steps('-', '-', '?page_size=1000');
      const mine = keys(everything.body.data).filter((k) => k.startsWith(ws1) || k.startsWith(ws2));
      expect(mine).toEqual([
        `${ws1}/first/step-a`,
        `${ws1}/first/step-b`,
        `${ws1}/second/step-a`,
        `${ws2}/first/step-a`,
      ]);
      expect(everything.body.pagination.total_results).toBe(everything.body.data.length);
    });

    it('filters by status, so a controller finds the steps waiting for it', async () => {
      const ws = uniqueWorkspace();
      await create(ws, 'waiting-first', 2);
      await patchStep(ws, 'waiting-first', 'step-a', { status: 'pending' });
      await create(ws, 'waiting-second', 2);
      await patchStep(ws, 'waiting-second', 'step-a', { status: 'active' });
      await patchStep(ws, 'waiting-second', 'step-a', { status: 'completed' });
      await create(ws, 'running', 2);
      await patchStep(ws, 'running', 'step-a', { status: 'active' });

      const pending = await steps(ws, '-', '?filter[status]=pending');
      expect(pending.status).toBe(200);
      expect(keys(pending.body.data)).toEqual([`${ws}/waiting-first/step-a`, `${ws}/waiting-second/step-b`]);
      expect(pending.body.filter).toEqual({ status: 'pending' });

      const either = await steps(ws, '-', '?filter[status]=pending,active');
      expect(either.body.data).toHaveLength(3);
      const none = await steps(ws, 'running', '?filter[status]=pending');
      expect(none.body.data).toEqual([]);
      expect(none.body.pagination).toMatchObject({ total_results: 0, total_pages: 1 });
    });

    it('pages a controller through the waiting steps of every workspace: each once, oldest job first', async () => {
      const [ws1, ws2] = [uniqueWorkspace(), uniqueWorkspace()];
      const mine: string[] = [];
      for (let i = 0; i < 4; i++) {
        const ws = i % 2 === 0 ? ws1 : ws2;
        await create(ws, `queued-${i}`, 2);
        await patchStep(ws, `queued-${i}`, 'step-a', { status: 'pending' });
        mine.push(`${ws}/queued-${i}/step-a`);
      }
      const seen: Step[] = [];
      let total = 0;
      for (let page = 1; page === 1 || seen.length < total; page++) {
        const res = await steps('-', '-', `?filter[status]=pending&page_size=3&page=${page}`);
        expect(res.status).toBe(200);
        expect(res.body.data.length).toBeGreaterThan(0);
        total = res.body.pagination.total_results;
        seen.push(...res.body.data);
      }
      expect(seen.every((s) => s.status === 'pending')).toBe(true);
      expect(new Set(keys(seen)).size).toBe(seen.length);
      expect(keys(seen).filter((key) => key.startsWith(ws1) || key.startsWith(ws2))).toEqual(mine);
    });

    it('pages through steps', async () => {
      const ws = uniqueWorkspace();
      await create(ws, 'many', 5);
      const page2 = await steps(ws, 'many', '?page=2&page_size=2');
      expect(page2.body.data.map((s: Step) => s.name)).toEqual(['step-c', 'step-d']);
      expect(page2.body.pagination).toEqual({
        page: 2,
        page_size: 2,
        current_page_size: 2,
        total_pages: 3,
        total_results: 5,
      });
    });

    it('answers an empty page for a job that does not exist', async () => {
      const res = await steps(uniqueWorkspace(), 'ghost');
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([]);
    });

    it('answers 422 for bad paging or a bad status, and 400 for an unknown filter field', async () => {
      const ws = uniqueWorkspace();
      const badPage = await steps(ws, '-', '?page=0');
      expect(badPage.status).toBe(422);
      expect(badPage.body.detail).toEqual([
        expect.objectContaining({ loc: ['query', 'page'], type: 'greater_than_equal' }),
      ]);
      const badStatus = await steps(ws, '-', '?filter[status]=running');
      expect(badStatus.status).toBe(422);
      expect(badStatus.body.detail).toEqual([
        expect.objectContaining({ loc: ['query', 'filter[status]'], type: 'enum' }),
      ]);
      const unknown = await steps(ws, '-', '?filter[color]=x');
      expect(unknown.status).toBe(400);
      expect(unknown.body).toEqual({ detail: expect.stringContaining("'color'") });
    });
  });

  describe('GET …/jobs/{name}/steps: sort and filters', () => {
    it('filters by job (name or id) and by source', async () => {
      const ws = uniqueWorkspace();
      const first = await create(ws, 'first', 2);
      await create(ws, 'second');
      const other = await http(suite.base, 'POST', jobs(ws), {
        ...jobWithSteps('elsewhere'),
        source: 'nightly',
      });
      expect(other.status).toBe(201);

      const byName = await steps(ws, '-', '?filter[job]=second');
      expect(keys(byName.body.data)).toEqual([`${ws}/second/step-a`]);
      expect(byName.body.filter).toEqual({ job: 'second' });
      const byId = await steps(ws, '-', `?filter[job]=${first.id},second`);
      expect(keys(byId.body.data)).toEqual([
        `${ws}/first/step-a`,
        `${ws}/first/step-b`,
        `${ws}/second/step-a`,
      ]);
      const bySource = await steps(ws, '-', '?filter[source]=nightly');
      expect(keys(bySource.body.data)).toEqual([`${ws}/elsewhere/step-a`]);
      expect((await steps(ws, '-', '?filter[source]=none-such')).body.data).toEqual([]);
    });

    it('sorts by created_at (oldest job first, the default) or updated_at, either way', async () => {
      const ws = uniqueWorkspace();
      await create(ws, 'older', 2);
      await create(ws, 'newer');
      const byDefault = await steps(ws, '-');
      expect(byDefault.body.sort).toBe('created_at');
      expect(keys(byDefault.body.data)).toEqual([
        `${ws}/older/step-a`,
        `${ws}/older/step-b`,
        `${ws}/newer/step-a`,
      ]);
      const newestFirst = await steps(ws, '-', '?sort=-created_at');
      expect(keys(newestFirst.body.data)).toEqual([
        `${ws}/newer/step-a`,
        `${ws}/older/step-a`,
        `${ws}/older/step-b`,
      ]);

      // Reported last, so changed last.
      expect((await patchStep(ws, 'older', 'step-a', { status: 'active' })).status).toBe(200);
      const lastChanged = await steps(ws, '-', '?sort=-updated_at');
      expect(keys(lastChanged.body.data)[0]).toBe(`${ws}/older/step-a`);
      const firstChanged = await steps(ws, '-', '?sort=updated_at');
      expect(keys(firstChanged.body.data).at(-1)).toBe(`${ws}/older/step-a`);
      expect((await steps(ws, '-', '?sort=name')).status).toBe(422);
    });
  });

  describe('GET …/jobs/{job}/steps/{name}', () => {
    it('is one step, as the list shows it, and 404 for a missing step or job', async () => {
      const ws = uniqueWorkspace();
      await create(ws, 'two-steps', 2);
      await patchStep(ws, 'two-steps', 'step-a', { status: 'active', status_details: { pod: 'p-1' } });
      const listed = (await steps(ws, 'two-steps')).body.data;
      const one = await http(suite.base, 'GET', `${jobs(ws)}/two-steps/steps/step-a`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(listed[0]);
      expect(one.body).toMatchObject({ status: 'active', status_details: { pod: 'p-1' } });
      const missing = await http(suite.base, 'GET', `${jobs(ws)}/two-steps/steps/step-z`);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ detail: expect.stringContaining("Step 'step-z'") });
      expect((await http(suite.base, 'GET', `${jobs(ws)}/absent/steps/step-a`)).status).toBe(404);
    });
  });

  describe('PATCH …/steps/{name}/status', () => {
    it('keeps steps in order: a later step cannot start before the ones ahead complete', async () => {
      const ws = uniqueWorkspace();
      await create(ws, 'ordered', 2);
      const early = await patchStep(ws, 'ordered', 'step-b', { status: 'active' });
      expect(early.status).toBe(409);
      expect(early.body).toEqual({
        detail:
          "Cannot move step 'step-b' of job 'ordered' from created to active: step 'step-a' has not completed.",
      });
      expect((await http(suite.base, 'GET', `${jobs(ws)}/ordered`)).body.status).toBe('created');
      expect((await steps(ws, 'ordered')).body.data.map((s: Step) => s.status)).toEqual([
        'created',
        'created',
      ]);
    });

    it('cancels the steps that never started when the running one is cancelled', async () => {
      const ws = uniqueWorkspace();
      await create(ws, 'cut-short', 3);
      await patchStep(ws, 'cut-short', 'step-a', { status: 'active' });
      await http(suite.base, 'POST', `${jobs(ws)}/cut-short/cancel`, {});
      await patchStep(ws, 'cut-short', 'step-a', { status: 'cancelled' });
      expect((await http(suite.base, 'GET', `${jobs(ws)}/cut-short`)).body.status).toBe('cancelled');
      expect((await steps(ws, 'cut-short')).body.data.map((s: Step) => s.status)).toEqual([
        'cancelled',
        'cancelled',
        'cancelled',
      ]);
    });

    it('answers the updated step', async () => {
      const ws = uniqueWorkspace();
      const job = await create(ws, 'reported');
      const res = await patchStep(ws, 'reported', 'step-a', {
        status: 'active',
        status_details: { pod: 'p-1' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        name: 'step-a',
        status: 'active',
        status_details: { pod: 'p-1' },
        error_details: {},
        job_id: job.id,
        job: 'reported',
        workspace: ws,
        spec: job.platform_spec.steps[0],
      });
      expect(res.body.updated_at).toMatch(ISO);
      expect((await steps(ws, 'reported')).body.data[0]).toEqual(res.body);
    });

    it('answers 404 for a missing job or a missing step', async () => {
      const ws = uniqueWorkspace();
      await create(ws, 'present');
      const noJob = await patchStep(ws, 'ghost', 'step-a', { status: 'active' });
      expect(noJob.status).toBe(404);
      expect(noJob.body).toEqual({ detail: `Job 'ghost' not found in workspace '${ws}'.` });
      const noStep = await patchStep(ws, 'present', 'step-z', { status: 'active' });
      expect(noStep.status).toBe(404);
      expect(noStep.body).toEqual({ detail: expect.stringMatching(/^Step 'step-z' not found.*\.$/) });
      expect((await http(suite.base, 'GET', `${jobs(ws)}/present`)).body.status).toBe('created');
    });

    it.each([
      ['no status', {}, ['body', 'status'], 'missing'],
      ['an unknown status', { status: 'running' }, ['body', 'status'], 'enum'],
      ['an upper-case status', { status: 'ACTIVE' }, ['body', 'status'], 'enum'],
      [
        'status_details that is not an object',
        { status: 'active', status_details: 'fine' },
        ['body', 'status_details'],
        'dict_type',
      ],
      [
        'error_details that is not an object',
        { status: 'error', error_details: ['x'] },
        ['body', 'error_details'],
        'dict_type',
      ],
      ['a body that is not an object', ['active'], ['body'], undefined],
    ])('answers 422 in the FastAPI format for %s, changing nothing', async (_, body, loc, type) => {
      const ws = uniqueWorkspace();
      const before = await create(ws, 'validated');
      const res = await patchStep(ws, 'validated', 'step-a', body);
      expect(res.status).toBe(422);
      expect(res.body.detail).toEqual([
        expect.objectContaining({ loc, msg: expect.any(String), ...(type ? { type } : {}) }),
      ]);
      expect((await http(suite.base, 'GET', `${jobs(ws)}/validated`)).body).toEqual(before);
    });

    it('answers 422 for no body, no status and malformed JSON', async () => {
      const ws = uniqueWorkspace();
      await create(ws, 'validated');
      const noStatus = await patchStep(ws, 'validated', 'step-a', { status_details: {} });
      expect(noStatus.body).toEqual({
        detail: [
          { type: 'missing', loc: ['body', 'status'], msg: 'Field required', input: { status_details: {} } },
        ],
      });
      const none = await patchStep(ws, 'validated', 'step-a', undefined);
      expect(none.status).toBe(422);
      expect(none.body).toEqual({
        detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }],
      });
      const bad = await patchStep(ws, 'validated', 'step-a', '{"status": ', {
        'content-type': 'application/json',
      });
      expect(bad.status).toBe(422);
      expect(bad.body.detail).toEqual([
        expect.objectContaining({ type: 'json_invalid', loc: ['body', expect.any(Number)] }),
      ]);
    });
  });

  describe('GET …/jobs/{name}/status', () => {
    it('is the job and its steps, each with their runtime status and an empty task list', async () => {
      const ws = uniqueWorkspace();
      const job = await create(ws, 'tree', 2);
      await patchStep(ws, 'tree', 'step-a', { status: 'active', status_details: { progress: 0.5 } });
      const res = await http(suite.base, 'GET', `${jobs(ws)}/tree/status`);
      expect(res.status).toBe(200);
      const runtime = (name: string, status: string) => ({
        id: expect.any(String),
        name,
        status,
        status_details: expect.any(Object),
        error_details: expect.any(Object),
        created_at: expect.stringMatching(ISO),
        updated_at: expect.stringMatching(ISO),
      });
      expect(res.body).toEqual({
        ...runtime('tree', 'active'),
        steps: [
          { ...runtime('step-a', 'active'), tasks: [] },
          { ...runtime('step-b', 'created'), tasks: [] },
        ],
      });
      expect(Object.keys(res.body)).toEqual([
        'id',
        'name',
        'status',
        'status_details',
        'error_details',
        'created_at',
        'updated_at',
        'steps',
      ]);
      expect(res.body.id).toBe(job.id);
      expect(res.body.created_at).toBe(job.created_at);
      expect(res.body.steps[0].status_details).toEqual({ progress: 0.5 });
      const listed = (await steps(ws, 'tree')).body.data;
      expect(res.body.steps.map((s: { id: string }) => s.id)).toEqual(
        listed.map((s: { id: string }) => s.id),
      );
    });

    it('answers 404 for a missing job', async () => {
      const ws = uniqueWorkspace();
      const res = await http(suite.base, 'GET', `${jobs(ws)}/ghost/status`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: `Job 'ghost' not found in workspace '${ws}'.` });
    });
  });

  it('GET /execution-profiles lists the default profile of every provider', async () => {
    const res = await http(suite.base, 'GET', `${JOBS}/execution-profiles`);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(
      res.body.map((p: { provider: string; profile: string }) => `${p.provider}/${p.profile}`).sort(),
    ).toEqual(['cpu/default', 'gpu/default', 'gpu_distributed/default', 'subprocess/default']);
  });

  describe('resume, cancel and delete', () => {
    it('resumes a paused job, which its executor then brings back to active', async () => {
      const ws = uniqueWorkspace();
      const paused = await reachStatus(suite.base, ws, 'resumed', 'paused');
      const res = await http(suite.base, 'POST', `${jobs(ws)}/resumed/resume`, {});
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: paused.id, status: 'resuming' });
      expect((await http(suite.base, 'GET', `${jobs(ws)}/resumed`)).body).toEqual(res.body);
      expect((await patchStep(ws, 'resumed', 'step-a', { status: 'pending' })).status).toBe(200);
      expect((await http(suite.base, 'GET', `${jobs(ws)}/resumed`)).body.status).toBe('pending');
      expect((await patchStep(ws, 'resumed', 'step-a', { status: 'active' })).status).toBe(200);
      expect((await http(suite.base, 'GET', `${jobs(ws)}/resumed`)).body.status).toBe('active');
    });

    it('cancels a running job, which its executor then stops', async () => {
      const ws = uniqueWorkspace();
      await reachStatus(suite.base, ws, 'stopped', 'active');
      const res = await http(suite.base, 'POST', `${jobs(ws)}/stopped/cancel`, {});
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('cancelling');
      expect((await http(suite.base, 'GET', `${jobs(ws)}/stopped/status`)).body.steps[0].status).toBe(
        'cancelling',
      );
      expect((await patchStep(ws, 'stopped', 'step-a', { status: 'cancelled' })).status).toBe(200);
      expect((await http(suite.base, 'GET', `${jobs(ws)}/stopped`)).body.status).toBe('cancelled');
    });

    it('cancels a job that never started at once', async () => {
      const ws = uniqueWorkspace();
      await create(ws, 'never-started', 2);
      const res = await http(suite.base, 'POST', `${jobs(ws)}/never-started/cancel`);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('cancelled');
      const tree = (await http(suite.base, 'GET', `${jobs(ws)}/never-started/status`)).body;
      expect(tree.steps.map((s: { status: string }) => s.status)).toEqual(['cancelled', 'cancelled']);
    });

    it('deletes a finished job: 204 with no body, then it is gone everywhere', async () => {
      const ws = uniqueWorkspace();
      await reachStatus(suite.base, ws, 'finished', 'completed');
      await create(ws, 'kept');
      const res = await http(suite.base, 'DELETE', `${jobs(ws)}/finished`);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect((await http(suite.base, 'GET', `${jobs(ws)}/finished`)).status).toBe(404);
      expect((await http(suite.base, 'GET', `${jobs(ws)}/finished/status`)).status).toBe(404);
      expect((await steps(ws, 'finished')).body.data).toEqual([]);
      expect(
        (await http(suite.base, 'GET', jobs(ws))).body.data.map((j: { name: string }) => j.name),
      ).toEqual(['kept']);
      const again = await http(suite.base, 'DELETE', `${jobs(ws)}/finished`);
      expect(again.status).toBe(404);
      expect(again.body).toEqual({ detail: `Job 'finished' not found in workspace '${ws}'.` });
      // The name is free again.
      expect((await http(suite.base, 'POST', jobs(ws), jobWithSteps('finished'))).status).toBe(201);
    });

    it('answers 404 for resume, cancel and delete of a missing job', async () => {
      const ws = uniqueWorkspace();
      for (const [method, suffix] of [
        ['POST', '/resume'],
        ['POST', '/cancel'],
        ['DELETE', ''],
      ]) {
        const res = await http(suite.base, method, `${jobs(ws)}/ghost${suffix}`);
        expect(res.status, `${method} ${suffix}`).toBe(404);
        expect(res.body).toEqual({ detail: `Job 'ghost' not found in workspace '${ws}'.` });
      }
    });
  });
});
