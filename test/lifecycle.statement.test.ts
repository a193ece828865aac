/**
 * The status statement (one prepared statement per action) against the lifecycle's functions, cell
 * by cell: every action in every job status, over jobs whose steps are in many arrangements and
 * run by executors that can or cannot checkpoint. The jobs' rows are set directly, so arrangements
 * the doors never produce are walked too; what the statement wrote (steps, job, event) must be
 * exactly what the action table, `stepStatusesAfter` and `pauseRefusal` say.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobStateConflictError, PauseRefusedError } from '../src/jobs/errors.js';
import {
  actionTable,
  currentStepIndex,
  deriveJobStatus,
  JOB_STATUSES,
  pauseRefusal,
  stepStatusesAfter,
  type JobStatus,
} from '../src/jobs/lifecycle.js';
import { defaultExecutionProfiles } from '../src/jobs/profiles.js';
import { JobsService } from '../src/jobs/service.js';
import { createJobRequest } from '../src/jobs/spec.js';
import { jobSteps, jobs } from '../src/jobs/tables.js';
import { databaseKinds, useMigratedDatabase } from './support/databases.js';
import { storedJob } from './support/job-rows.js';
import { uniqueWorkspace } from './support/fixtures.js';

type Provider = 'cpu' | 'subprocess';
interface StepSetup {
  status: JobStatus;
  provider: Provider;
  lifecycle?: { pause_deadline_seconds: number };
}

/** Executors that can checkpoint or not: the subprocess default (0), an explicit 0, a deadline, and a controller's say. */
const EXECUTORS: Omit<StepSetup, 'status'>[] = [
  { provider: 'subprocess' },
  { provider: 'cpu', lifecycle: { pause_deadline_seconds: 0 } },
  { provider: 'subprocess', lifecycle: { pause_deadline_seconds: 30 } },
  { provider: 'cpu' },
];

/**
 * Step arrangements of a job in `status`: the middle step in it, the first, the last, and mixes.
 * Only those whose steps give the job that status (every write keeps a job's status derived from
 * its steps).
 */
function arrangements(status: JobStatus): JobStatus[][] {
  const candidates: JobStatus[][] = [
    ['completed', status, 'created'],
    [status, 'created'],
    ['completed', 'completed', status],
    ['completed', 'completed'],
    ['active', status, 'created'],
    ['completed', 'error', 'cancelling', 'resuming'],
    ['completed', status, 'cancelled'],
    [status, 'paused'],
  ];
  return candidates.filter((steps) => deriveJobStatus(steps) === status);
}

const ACTIONS = ['pause', 'resume', 'cancel'] as const;
const CELLS = ACTIONS.flatMap((action) => JOB_STATUSES.map((status) => ({ action, status })));

describe.each(databaseKinds)('the status statement on $name', (kind) => {
  const suite = useMigratedDatabase(kind);
  let service: JobsService;

  beforeAll(() => {
    service = new JobsService(suite.handle.db, defaultExecutionProfiles);
  });

  /** A job whose rows say `status` and `steps`, whatever the doors would allow. */
  async function jobIn(ws: string, name: string, status: JobStatus, steps: StepSetup[]) {
    const request = createJobRequest.parse({
      name,
      source: 'test',
      spec: {},
      platform_spec: {
        steps: steps.map((step, i) => ({
          name: `s${i}`,
          executor:
            step.provider === 'subprocess'
              ? { provider: 'subprocess', command: ['true'] }
              : { provider: 'cpu', container: { image: 'test:1' } },
          ...(step.lifecycle ? { lifecycle: step.lifecycle } : {}),
        })),
      },
    });
    const created = await service.create(ws, request);
    const { db } = suite.handle;
    await db.update(jobs).set({ status }).where(eq(jobs.id, created.id));
    for (const [i, step] of created.steps.entries()) {
      await db.update(jobSteps).set({ status: steps[i].status }).where(eq(jobSteps.id, step.id));
    }
    return created.id;
  }

  const rows = (jobId: string) => storedJob(suite.handle.db, jobId);

  it.each(CELLS)('$action on a $status job writes what the lifecycle says', async ({ action, status }) => {
    const ws = uniqueWorkspace();
    const setups: StepSetup[][] = [
      ...EXECUTORS.map((executor) => [{ ...executor, status }]),
      ...arrangements(status).map((statuses) =>
        statuses.map((s, i) => ({ ...EXECUTORS[i % EXECUTORS.length], status: s })),
      ),
    ];
    for (const [n, steps] of setups.entries()) {
      const name = `job-${n}`;
      const label = `${action} on ${status} with steps ${JSON.stringify(steps)}`;
      const jobId = await jobIn(ws, name, status, steps);
      const before = await rows(jobId);

      // What the lifecycle's functions say.
      const outcome = actionTable[action][status];
      const after =
        outcome.kind === 'transition'
          ? stepStatusesAfter(
              action,
              outcome.to,
              steps.map((s) => s.status),
            )
          : undefined;
      const refusal =
        action === 'pause' && after ? pauseRefusal(before.steps[currentStepIndex(after)]) : undefined;

      const result = await service[action](ws, name, 'user:cells').then(
        (job) => ({ job }),
        (error: unknown) => ({ error }),
      );
      const now = await rows(jobId);

      if (outcome.kind === 'conflict' || refusal) {
        const expected = refusal ? PauseRefusedError : JobStateConflictError;
        expect('error' in result && result.error, label).toBeInstanceOf(expected);
        expect(now, label).toEqual(before);
        continue;
      }
      expect('job' in result, label).toBe(true);
      if (!after || outcome.kind !== 'transition') {
        expect(now, label).toEqual(before);
        continue;
      }
      expect(now.job.status, label).toBe(outcome.to);
      expect(
        now.steps.map((s) => s.status),
        label,
      ).toEqual(after);
      // Moved steps and the job carry the change's time; the others are untouched.
      now.steps.forEach((step, i) => {
        const moved = step.status !== before.steps[i].status;
        expect(step.updatedAt, label).toEqual(moved ? now.job.updatedAt : before.steps[i].updatedAt);
      });
      expect(now.events.slice(0, -1), label).toEqual(before.events);
      expect(now.events.at(-1), label).toMatchObject({
        jobId,
        workspace: ws,
        jobName: name,
        previousStatus: status,
        status: outcome.to,
        occurredAt: now.job.updatedAt,
        actor: 'user:cells',
      });
      // The answer is the job as written.
      const answered = (result as { job: Awaited<ReturnType<JobsService['pause']>> }).job;
      expect(answered.status, label).toBe(outcome.to);
      expect(
        answered.steps.map((s) => [s.status, s.updatedAt]),
        label,
      ).toEqual(now.steps.map((s) => [s.status, s.updatedAt]));
    }
  });
});
