/**
 * The step report statement (one prepared statement per report) against `decideStepUpdate`, cell by
 * cell: every reported status on a step in every status, over jobs whose steps are in many
 * arrangements, with and without details, error details and an expected status. The jobs' rows are
 * set directly, so arrangements the doors never produce are walked too; what the statement wrote
 * (steps, job, event) and what the service answered must be exactly what the lifecycle says.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { StepTransitionError } from '../src/jobs/errors.js';
import { decideStepUpdate, deriveJobStatus, JOB_STATUSES, type JobStatus } from '../src/jobs/lifecycle.js';
import { defaultExecutionProfiles } from '../src/jobs/profiles.js';
import { JobsService } from '../src/jobs/service.js';
import { createJobRequest, type StepStatusUpdate } from '../src/jobs/spec.js';
import { databaseKinds, useMigratedDatabase } from './support/databases.js';
import { storedJob } from './support/job-rows.js';
import { uniqueWorkspace } from './support/fixtures.js';

/** The reported step is the one in `X`; the others as given. */
const X = 'X';
type Slot = JobStatus | typeof X;
const ARRANGEMENTS: Slot[][] = [
  [X],
  [X, 'created', 'created'],
  ['completed', X, 'created'],
  ['active', X],
  ['pending', X, 'created'],
  [X, 'paused'],
  ['completed', X, 'cancelling', 'created'],
];

interface Variant {
  label: string;
  /** Walked over the first arrangements only: what it tests does not depend on the other steps. */
  fewer?: boolean;
  update: (to: JobStatus) => StepStatusUpdate;
  expected?: (from: JobStatus) => JobStatus[];
}
const VARIANTS: Variant[] = [
  { label: 'status only', update: (to) => ({ status: to }) },
  {
    label: 'with details, expected as it is',
    update: (to) => ({
      status: to,
      status_details: { progress: 0.5, kept: 'overwritten' },
      error_details: { code: 7 },
    }),
    expected: (from) => [from, 'error'],
  },
  {
    label: 'the details it has',
    fewer: true,
    update: (to) => ({ status: to, status_details: { kept: 'yes' }, error_details: { code: 1 } }),
  },
  {
    label: 'expected otherwise',
    fewer: true,
    update: (to) => ({ status: to }),
    expected: (from) => JOB_STATUSES.filter((s) => s !== from).slice(0, 2),
  },
];

const CELLS = JOB_STATUSES.flatMap((from) => JOB_STATUSES.map((to) => ({ from, to })));

describe.each(databaseKinds)('the step report statement on $name', (kind) => {
  const suite = useMigratedDatabase(kind);
  let service: JobsService;

  beforeAll(() => {
    service = new JobsService(suite.handle.db, defaultExecutionProfiles);
  });

  /** A job whose steps are in `statuses` (the job's status derived from them), each with details. */
  async function jobIn(ws: string, name: string, statuses: JobStatus[]) {
    const request = createJobRequest.parse({
      name,
      source: 'test',
      spec: {},
      platform_spec: {
        steps: statuses.map((_, i) => ({
          name: `s${i}`,
          executor: { provider: 'cpu', container: { image: 'test:1' } },
        })),
      },
    });
    const created = await service.create(ws, request);
    await suite.handle.db.execute(sql`
      with steps as (
        update job_steps set status = ${JSON.stringify(statuses)}::jsonb ->> position,
          status_details = json_build_object('kept', 'yes', 'step', position),
          error_details = case when position % 2 = 0 then '{"code": 1}'::json end
        where job_id = ${created.id}
      )
      update jobs set status = ${deriveJobStatus(statuses)} where id = ${created.id}`);
    return created.id;
  }

  const rows = (jobId: string) => storedJob(suite.handle.db, jobId);

  it.each(CELLS)('a $from step reported $to writes what the lifecycle says', async ({ from, to }) => {
    const ws = uniqueWorkspace();
    let n = 0;
    for (const [a, arrangement] of ARRANGEMENTS.entries()) {
      for (const variant of VARIANTS) {
        if (variant.fewer && a >= 2) continue;
        const statuses = arrangement.map((slot) => (slot === X ? from : slot));
        const index = arrangement.indexOf(X);
        const name = `job-${n++}`;
        const update = variant.update(to);
        const expected = variant.expected?.(from);
        const label = `${variant.label}: ${from} → ${to} in ${JSON.stringify(arrangement)}`;
        const jobId = await jobIn(ws, name, statuses);
        const before = await rows(jobId);

        const outcome = decideStepUpdate(
          before.job.status,
          before.steps,
          index,
          update,
          expected ? [...expected] : undefined,
        );
        const result = await service
          .updateStepStatus(ws, name, `s${index}`, update, { expected, actor: 'executor:cells' })
          .then(
            (step) => ({ step }),
            (error: unknown) => ({ error }),
          );
        const now = await rows(jobId);

        if (outcome.kind === 'refused') {
          expect('error' in result && result.error, label).toBeInstanceOf(StepTransitionError);
          expect(now, label).toEqual(before);
          continue;
        }
        if (!('step' in result)) throw new Error(`${label}: ${String(result.error)}`);
        if (outcome.kind === 'unchanged') {
          expect(now, label).toEqual(before);
          expect(result.step, label).toMatchObject(before.steps[index]);
          continue;
        }
        const at = now.steps[index].updatedAt;
        const expectedSteps = before.steps.map((step) => ({ ...step }));
        for (const { index: i, changes } of outcome.steps) {
          Object.assign(expectedSteps[i], changes, { updatedAt: at });
        }
        expect(now.steps, label).toEqual(expectedSteps);
        expect(result.step, label).toEqual({ ...expectedSteps[index], attemptId: before.job.attemptId });
        if (!outcome.job) {
          expect(now.job, label).toEqual(before.job);
          expect(now.events, label).toEqual(before.events);
          continue;
        }
        expect(now.job, label).toEqual({ ...before.job, ...outcome.job, updatedAt: at });
        expect(now.events.slice(0, -1), label).toEqual(before.events);
        expect(now.events.at(-1), label).toMatchObject({
          jobId,
          workspace: ws,
          jobName: name,
          previousStatus: before.job.status,
          status: outcome.job.status,
          occurredAt: at,
          actor: 'executor:cells',
        });
      }
    }
  });

  it('answers no such job and no such step without writing', async () => {
    const ws = uniqueWorkspace();
    const jobId = await jobIn(ws, 'present', ['active']);
    const before = await rows(jobId);
    await expect(service.updateStepStatus(ws, 'absent', 's0', { status: 'completed' })).rejects.toThrow(
      "Job 'absent' not found",
    );
    await expect(service.updateStepStatus(ws, 'present', 'nope', { status: 'completed' })).rejects.toThrow(
      "Step 'nope' not found",
    );
    expect(await rows(jobId)).toEqual(before);
  });
});
