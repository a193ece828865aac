/** The pause endpoint exactly as the seed contract documents it, and the create/get/list around it. */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobStatusEvents } from '../src/jobs/tables.js';
import { databaseKinds } from './support/databases.js';
import { seedJob, uniqueWorkspace, jobWithSteps } from './support/fixtures.js';
import { http, JOBS, useGateway } from './support/gateway.js';
import { reachStatus } from './support/lifecycle.js';
import { seedSchemaErrors } from './support/seed-schema.js';

describe.each(databaseKinds)('pause over REST on $name', (kind) => {
  const suite = useGateway(kind);

  const jobs = (ws: string) => `${JOBS}/workspaces/${ws}/jobs`;

  it("creates the seed's example job and pauses it, both answers matching PlatformJobResponse", async () => {
    const ws = uniqueWorkspace('research-team-alpha');
    const created = await http(suite.base, 'POST', jobs(ws), seedJob);
    expect(created.status).toBe(201);
    expect(seedSchemaErrors('PlatformJobResponse', created.body)).toEqual([]);
    expect(created.body).toMatchObject({
      name: 'data-cleaning-job',
      workspace: ws,
      project: seedJob.project,
      description: seedJob.description,
      source: seedJob.source,
      spec: {},
      fileset: 'job-fileset-data-cleaning-job',
      status: 'created',
      status_details: {},
      error_details: {},
      ownership: {},
      custom_fields: {},
    });
    expect(created.body.id).toMatch(/^platform-job-[1-9A-HJ-NP-Za-km-z]{22}$/);
    // The platform spec is echoed with its keys in the upstream schema's order.
    expect(JSON.stringify(created.body.platform_spec)).toBe(
      JSON.stringify({
        steps: [
          {
            name: 'preprocess',
            environment: seedJob.platform_spec.steps[0].environment,
            executor: {
              provider: 'cpu',
              profile: 'default',
              container: seedJob.platform_spec.steps[0].executor.container,
              resources: seedJob.platform_spec.steps[0].executor.resources,
            },
            config: {},
            lifecycle: { staleness_timeout_seconds: 300 },
          },
        ],
      }),
    );

    const paused = await http(suite.base, 'POST', `${jobs(ws)}/data-cleaning-job/pause`, {});
    expect(paused.status).toBe(200);
    expect(paused.headers.get('content-type')).toMatch(/^application\/json/);
    expect(seedSchemaErrors('PlatformJobResponse', paused.body)).toEqual([]);
    expect(paused.body.status).toBe('pausing');
    expect(paused.body.id).toBe(created.body.id);
    expect(Date.parse(paused.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));
    expect(paused.body.created_at).toBe(created.body.created_at);

    const fetched = await http(suite.base, 'GET', `${jobs(ws)}/data-cleaning-job`);
    expect(fetched.body).toEqual(paused.body);
  });

  it('accepts {}, an empty body and no body alike', async () => {
    const ws = uniqueWorkspace();
    for (const [name, body, headers] of [
      ['with-object', '{}', { 'content-type': 'application/json' }],
      ['with-empty', '', { 'content-type': 'application/json' }],
      ['with-nothing', undefined, {}],
    ] as const) {
      await http(suite.base, 'POST', jobs(ws), jobWithSteps(name));
      const res = await http(suite.base, 'POST', `${jobs(ws)}/${name}/pause`, body, headers);
      expect(res.status, name).toBe(200);
      expect(res.body.status).toBe('pausing');
    }
  });

  it('is a 200 no-op on a job that is already pausing or paused', async () => {
    const ws = uniqueWorkspace();
    for (const status of ['pausing', 'paused'] as const) {
      const before = await reachStatus(suite.base, ws, `already-${status}`, status);
      const again = await http(suite.base, 'POST', `${jobs(ws)}/already-${status}/pause`, {});
      expect(again.status).toBe(200);
      expect(again.body).toEqual(before);
    }
  });

  it('answers 404 with the documented sentence for a missing job', async () => {
    const res = await http(suite.base, 'POST', `${jobs('nowhere')}/ghost/pause`, {});
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: "Job 'ghost' not found in workspace 'nowhere'." });
  });

  it.each(['resuming', 'cancelling', 'completed', 'error', 'cancelled'] as const)(
    'answers 409 naming the status when the job is %s, and changes nothing',
    async (status) => {
      const ws = uniqueWorkspace();
      const before = await reachStatus(suite.base, ws, 'stuck', status);
      const res = await http(suite.base, 'POST', `${jobs(ws)}/stuck/pause`, {});
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ detail: `Cannot pause job 'stuck': the job is ${status}.` });
      expect(res.headers.get('x-should-retry')).toBe('false');
      expect((await http(suite.base, 'GET', `${jobs(ws)}/stuck`)).body).toEqual(before);
    },
  );

  it('refuses to pause a running step whose pause_deadline_seconds is 0, naming the step; one not started yet is held', async () => {
    const ws = uniqueWorkspace();
    for (const name of ['unpausable', 'not-started']) {
      await http(suite.base, 'POST', jobs(ws), jobWithSteps(name, 1, { pause_deadline_seconds: 0 }));
    }
    await http(suite.base, 'PATCH', `${jobs(ws)}/unpausable/steps/step-a/status`, { status: 'active' });
    const res = await http(suite.base, 'POST', `${jobs(ws)}/unpausable/pause`, {});
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      detail: "Cannot pause job 'unpausable': the running step 'step-a' does not support pause.",
    });
    expect((await http(suite.base, 'GET', `${jobs(ws)}/unpausable`)).body.status).toBe('active');

    const held = await http(suite.base, 'POST', `${jobs(ws)}/not-started/pause`, {});
    expect(held.status).toBe(200);
    expect(held.body.status).toBe('pausing');
  });

  it('records exactly one transition and one event when 50 requests pause one job at once', async () => {
    const ws = uniqueWorkspace();
    const created = await http(suite.base, 'POST', jobs(ws), jobWithSteps('contended'));
    const results = await Promise.all(
      Array.from({ length: 50 }, () => http(suite.base, 'POST', `${jobs(ws)}/contended/pause`, {})),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(new Set(results.map((r) => r.body.status))).toEqual(new Set(['pausing']));
    // Every answer shows the one transition: the same updated_at.
    expect(new Set(results.map((r) => r.body.updated_at)).size).toBe(1);
    const events = await suite.server.gateway.database.db
      .select({ status: jobStatusEvents.status, previous: jobStatusEvents.previousStatus })
      .from(jobStatusEvents)
      .where(sql`${jobStatusEvents.jobId} = ${created.body.id}`)
      .orderBy(jobStatusEvents.id);
    expect(events).toEqual([
      { status: 'created', previous: null },
      { status: 'pausing', previous: 'created' },
    ]);
  });

  describe('create', () => {
    it('generates a name from the source when none is given', async () => {
      const ws = uniqueWorkspace();
      const { name: _omit, ...body } = seedJob;
      const res = await http(suite.base, 'POST', jobs(ws), { ...body, source: 'nemo-customizer' });
      expect(res.status).toBe(201);
      expect(res.body.name).toMatch(/^nemo-customizer-[a-z0-9]{8}$/);
      expect(res.body.fileset).toBe(`job-fileset-${res.body.name}`);
    });

    it('answers 409 for a name taken in the workspace, and leaves the first job alone', async () => {
      const ws = uniqueWorkspace();
      const first = await http(suite.base, 'POST', jobs(ws), jobWithSteps('taken'));
      const again = await http(suite.base, 'POST', jobs(ws), { ...jobWithSteps('taken'), source: 'other' });
      expect(again.status).toBe(409);
      expect(again.body).toEqual({ detail: `Job 'taken' already exists in workspace '${ws}'.` });
      expect((await http(suite.base, 'GET', `${jobs(ws)}/taken`)).body).toEqual(first.body);
      // The same name in another workspace is another job.
      expect((await http(suite.base, 'POST', jobs(uniqueWorkspace()), jobWithSteps('taken'))).status).toBe(
        201,
      );
    });

    const step = seedJob.platform_spec.steps[0];
    const withStep = (patch: Record<string, unknown>) => ({
      ...seedJob,
      platform_spec: { steps: [{ ...step, ...patch }] },
    });

    it.each([
      [
        'missing required fields',
        { spec: {} },
        [
          { type: 'missing', loc: ['body', 'source'], msg: 'Field required', input: { spec: {} } },
          { type: 'missing', loc: ['body', 'platform_spec'], msg: 'Field required', input: { spec: {} } },
        ],
      ],
      [
        'a job name that breaks the pattern',
        { ...seedJob, name: 'Bad--Name' },
        [
          expect.objectContaining({
            type: 'string_pattern_mismatch',
            loc: ['body', 'name'],
            input: 'Bad--Name',
          }),
        ],
      ],
      [
        'a step name that breaks the pattern',
        withStep({ name: 'x' }),
        [
          expect.objectContaining({
            type: 'string_pattern_mismatch',
            loc: ['body', 'platform_spec', 'steps', 0, 'name'],
            input: 'x',
          }),
        ],
      ],
      [
        'an unknown executor provider',
        withStep({ executor: { provider: 'tpu', container: { image: 'x' } } }),
        [
          expect.objectContaining({
            type: 'union_tag_invalid',
            loc: ['body', 'platform_spec', 'steps', 0, 'executor'],
            ctx: {
              discriminator: "'provider'",
              tag: 'tpu',
              expected_tags: "'cpu', 'gpu', 'gpu_distributed', 'subprocess'",
            },
          }),
        ],
      ],
      [
        'a container step without container',
        withStep({ executor: { provider: 'gpu' } }),
        [
          {
            type: 'missing',
            loc: ['body', 'platform_spec', 'steps', 0, 'executor', 'container'],
            msg: 'Field required',
            input: { provider: 'gpu' },
          },
        ],
      ],
      [
        'a subprocess step without command',
        withStep({ executor: { provider: 'subprocess' } }),
        [
          expect.objectContaining({
            type: 'missing',
            loc: ['body', 'platform_spec', 'steps', 0, 'executor', 'command'],
          }),
        ],
      ],
      [
        'duplicate step names',
        { ...seedJob, platform_spec: { steps: [step, step] } },
        [
          expect.objectContaining({
            type: 'value_error',
            loc: ['body', 'platform_spec', 'steps', 1, 'name'],
          }),
        ],
      ],
      [
        'no steps',
        { ...seedJob, platform_spec: { steps: [] } },
        [expect.objectContaining({ type: 'too_short', loc: ['body', 'platform_spec', 'steps'] })],
      ],
      [
        'an environment variable with both value and from_secret',
        withStep({ environment: [{ name: 'A', value: 'v', from_secret: { name: 's' } }] }),
        [
          expect.objectContaining({
            type: 'value_error',
            loc: ['body', 'platform_spec', 'steps', 0, 'environment', 0],
          }),
        ],
      ],
    ])('answers 422 in the FastAPI format for %s, creating nothing', async (_, body, detail) => {
      const ws = uniqueWorkspace();
      const res = await http(suite.base, 'POST', jobs(ws), body);
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ detail });
      const list = await http(suite.base, 'GET', jobs(ws));
      expect(list.body.pagination.total_results).toBe(0);
    });

    it('answers 422 for malformed JSON and for no body at all', async () => {
      const bad = await http(suite.base, 'POST', jobs('w'), '{"source": ', {
        'content-type': 'application/json',
      });
      expect(bad.status).toBe(422);
      expect(bad.body.detail).toEqual([
        expect.objectContaining({
          type: 'json_invalid',
          loc: ['body', expect.any(Number)],
          msg: 'JSON decode error',
        }),
      ]);
      const none = await http(suite.base, 'POST', jobs('w'));
      expect(none.status).toBe(422);
      expect(none.body).toEqual({
        detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }],
      });
    });

    it('answers 415 for a body that is not JSON and 413 for one over the limit', async () => {
      const text = await http(suite.base, 'POST', jobs('w'), 'source=x', { 'content-type': 'text/plain' });
      expect(text.status).toBe(415);
      expect(typeof text.body.detail).toBe('string');
      const huge = await http(suite.base, 'POST', jobs('w'), {
        ...seedJob,
        spec: { blob: 'x'.repeat(2 * 1024 * 1024) },
      });
      expect(huge.status).toBe(413);
      expect(typeof huge.body.detail).toBe('string');
    });

    it('answers 422 naming the step for a provider/profile that is not configured', async () => {
      const ws = uniqueWorkspace();
      const res = await http(
        suite.base,
        'POST',
        jobs(ws),
        withStep({ executor: { ...step.executor, profile: 'h100-pool' } }),
      );
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        detail: "Step 'preprocess': no execution profile 'h100-pool' is configured for provider 'cpu'.",
      });
    });
  });

  describe('get and list', () => {
    it('gets a job, and answers 404 for a missing one', async () => {
      const ws = uniqueWorkspace();
      const created = await http(suite.base, 'POST', jobs(ws), jobWithSteps('present'));
      expect((await http(suite.base, 'GET', `${jobs(ws)}/present`)).body).toEqual(created.body);
      const missing = await http(suite.base, 'GET', `${jobs(ws)}/absent`);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ detail: `Job 'absent' not found in workspace '${ws}'.` });
    });

    it('lists a workspace in pages with the documented envelope', async () => {
      const ws = uniqueWorkspace();
      for (const name of ['job-one', 'job-two', 'job-three'])
        await http(suite.base, 'POST', jobs(ws), jobWithSteps(name));
      const page1 = await http(suite.base, 'GET', `${jobs(ws)}?page=1&page_size=2`);
      expect(page1.status).toBe(200);
      expect(page1.body.pagination).toEqual({
        page: 1,
        page_size: 2,
        current_page_size: 2,
        total_pages: 2,
        total_results: 3,
      });
      expect(page1.body.sort).toBe('-created_at');
      expect(page1.body).not.toHaveProperty('filter');
      const page2 = await http(suite.base, 'GET', `${jobs(ws)}?page=2&page_size=2`);
      const names = [...page1.body.data, ...page2.body.data].map((j: { name: string }) => j.name);
      expect(names).toEqual(['job-three', 'job-two', 'job-one']);
      for (const job of page1.body.data) expect(seedSchemaErrors('PlatformJobResponse', job)).toEqual([]);

      const empty = await http(suite.base, 'GET', jobs(uniqueWorkspace()));
      expect(empty.body).toEqual({
        data: [],
        pagination: { page: 1, page_size: 10, current_page_size: 0, total_pages: 1, total_results: 0 },
        sort: '-created_at',
      });
    });

    it('answers 422 for a bad page or page_size', async () => {
      const res = await http(suite.base, 'GET', `${jobs('w')}?page=0&page_size=abc`);
      expect(res.status).toBe(422);
      expect(res.body.detail).toEqual([
        expect.objectContaining({ type: 'greater_than_equal', loc: ['query', 'page'], input: '0' }),
        expect.objectContaining({ type: 'int_parsing', loc: ['query', 'page_size'], input: 'abc' }),
      ]);
    });
  });
});
