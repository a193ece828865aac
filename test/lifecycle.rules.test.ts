/**
 * The lifecycle's pure rules, without a server or a database: what a step update does to its job,
 * and the statuses the built-in executor works from. The tables themselves are checked cell by
 * cell through both doors in lifecycle.test.ts and steps.rest.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  JOB_ACTIONS,
  JOB_STATUSES,
  JOB_STATUSES_THAT_MAY_BRING_WORK,
  STARTABLE_STEP_STATUSES,
  STEP_STATUSES_AWAITING_EXECUTOR,
  DEFAULT_PAUSE_DEADLINE_SECONDS,
  STEP_STATUSES_WAITING_ON_RUNNER,
  UNSTARTED_STEP_SETTLES_TO,
  actionTable,
  canStepMove,
  decideStepUpdate,
  deriveJobStatus,
  movesToEnd,
  orphanedStepEndsIn,
  pauseDeadlineSeconds,
  pauseRefusal,
  stepStatusesAfter,
  type JobStatus,
  type StepState,
  type StepUpdateOutcome,
} from '../src/jobs/lifecycle.js';
import type { StepStatusUpdate } from '../src/jobs/spec.js';

/** A job as the rules see it; `report` applies an outcome the way the service writes it. */
function job(...statuses: JobStatus[]) {
  const state = {
    status: deriveJobStatus(statuses),
    steps: statuses.map((status, i): StepState => ({
      name: `step-${'abcdefgh'[i]}`,
      status,
      statusDetails: {},
      errorDetails: null,
    })),
    errorDetails: null as Record<string, unknown> | null,
    /** Applies `update` to the step at `index` and returns what the rules decided. */
    report(index: number, update: StepStatusUpdate, expected?: JobStatus[]): StepUpdateOutcome {
      const outcome = decideStepUpdate(state.status, state.steps, index, update, expected);
      if (outcome.kind !== 'changed') return outcome;
      for (const { index: i, changes } of outcome.steps) Object.assign(state.steps[i], changes);
      if (outcome.job) {
        state.status = outcome.job.status;
        if (outcome.job.errorDetails) state.errorDetails = outcome.job.errorDetails;
      }
      return outcome;
    },
    get stepStatuses() {
      return state.steps.map((s) => s.status);
    },
  };
  return state;
}

describe('a step update', () => {
  it('is refused by the step transition table, with no reason beyond the move itself', () => {
    for (const from of JOB_STATUSES)
      for (const to of JOB_STATUSES) {
        if (from === to) continue;
        const outcome = job(from).report(0, { status: to });
        if (canStepMove(from, to)) expect(outcome.kind, `${from} → ${to}`).toBe('changed');
        else expect(outcome, `${from} → ${to}`).toEqual({ kind: 'refused', rule: 'transition' });
      }
  });

  it('to the same status with nothing new changes nothing, in every status', () => {
    for (const status of JOB_STATUSES) {
      const j = job(status);
      j.steps[0].statusDetails = { progress: 3 };
      j.steps[0].errorDetails = { message: 'was' };
      expect(j.report(0, { status }), status).toEqual({ kind: 'unchanged' });
      expect(j.report(0, { status, status_details: { progress: 3 } }), status).toEqual({ kind: 'unchanged' });
      expect(j.report(0, { status, error_details: { message: 'was' } }), status).toEqual({
        kind: 'unchanged',
      });
    }
  });

  it('to the same status with new details is written, even for a finished step, and leaves the job be', () => {
    const j = job('completed');
    j.steps[0].statusDetails = { runner: 'one' };
    expect(j.report(0, { status: 'completed', status_details: { exit: 0 } })).toEqual({
      kind: 'changed',
      steps: [{ index: 0, changes: { status: 'completed', statusDetails: { runner: 'one', exit: 0 } } }],
    });
  });

  it('merges status details over the ones the step has, and replaces error details only when given', () => {
    const j = job('active');
    j.steps[0].statusDetails = { runner: 'one', progress: 1 };
    j.steps[0].errorDetails = { earlier: true };
    const outcome = j.report(0, { status: 'active', status_details: { progress: 2 } });
    expect(outcome).toEqual({
      kind: 'changed',
      steps: [{ index: 0, changes: { status: 'active', statusDetails: { runner: 'one', progress: 2 } } }],
    });
    expect(j.steps[0].errorDetails).toEqual({ earlier: true });
  });

  it('with an expected status applies only while the step is in it, checked before the table', () => {
    expect(job('active').report(0, { status: 'active' }, ['created', 'pending'])).toEqual({
      kind: 'refused',
      rule: 'no-longer-expected',
      reason: 'it is no longer created or pending',
    });
    // Expected first: a same-status update that would be a no-op is still refused.
    expect(job('cancelled').report(0, { status: 'cancelled' }, ['cancelling'])).toMatchObject({
      rule: 'no-longer-expected',
      reason: 'it is no longer cancelling',
    });
    expect(job('pending').report(0, { status: 'active' }, ['created', 'pending']).kind).toBe('changed');
  });

  it('of a later step is refused while an earlier one has not completed, naming the first such step', () => {
    const j = job('completed', 'active', 'created');
    expect(j.report(2, { status: 'active' })).toEqual({
      kind: 'refused',
      rule: 'order',
      reason: "step 'step-b' has not completed",
    });
    // The table is checked first: a move the table forbids is refused as such.
    expect(j.report(2, { status: 'completed' })).toEqual({ kind: 'refused', rule: 'transition' });
  });

  it('of a later step may cancel it, or restate its status, before the ones ahead complete', () => {
    const j = job('active', 'created');
    expect(j.report(1, { status: 'created', status_details: { note: 'waiting' } }).kind).toBe('changed');
    expect(j.report(1, { status: 'cancelled' })).toEqual({
      kind: 'changed',
      steps: [{ index: 1, changes: { status: 'cancelled', statusDetails: { note: 'waiting' } } }],
      job: { status: 'cancelled' },
    });
  });

  it('that completes a step makes the next one pending, and the job with it', () => {
    const j = job('active', 'created', 'created');
    expect(j.report(0, { status: 'completed' })).toEqual({
      kind: 'changed',
      steps: [
        { index: 0, changes: { status: 'completed', statusDetails: {} } },
        { index: 1, changes: { status: 'pending' } },
      ],
      job: { status: 'pending' },
    });
    expect(j.stepStatuses).toEqual(['completed', 'pending', 'created']);
  });

  it('that completes a step leaves a next step alone once it left created', () => {
    const j = job('pausing', 'cancelled');
    const outcome = j.report(0, { status: 'completed' });
    expect(outcome).toMatchObject({ steps: [{ index: 0 }] });
    expect(j.stepStatuses).toEqual(['completed', 'cancelled']);
    expect(j.status).toBe('cancelled');
  });

  it('that cancels a step cancels every later step that never started, and only those', () => {
    const j = job('cancelling', 'created', 'pending', 'created');
    const outcome = j.report(0, { status: 'cancelled' });
    expect(outcome).toEqual({
      kind: 'changed',
      steps: [
        { index: 0, changes: { status: 'cancelled', statusDetails: {} } },
        { index: 1, changes: { status: 'cancelled' } },
        { index: 3, changes: { status: 'cancelled' } },
      ],
      job: { status: 'cancelled' },
    });
    expect(j.stepStatuses).toEqual(['cancelled', 'cancelled', 'pending', 'cancelled']);
  });

  it("that fails a step gives the job the step's error details: the reported ones, else the step's, else {}", () => {
    expect(job('active').report(0, { status: 'error', error_details: { exit_code: 3 } })).toMatchObject({
      job: { status: 'error', errorDetails: { exit_code: 3 } },
    });
    const kept = job('active');
    kept.steps[0].errorDetails = { earlier: 'warning' };
    expect(kept.report(0, { status: 'error' })).toMatchObject({
      job: { status: 'error', errorDetails: { earlier: 'warning' } },
    });
    expect(job('active').report(0, { status: 'error' })).toMatchObject({
      job: { status: 'error', errorDetails: {} },
    });
  });

  it('that leaves the job in its status says nothing about the job', () => {
    const outcome = job('completed', 'active').report(1, { status: 'active', status_details: { n: 1 } });
    expect(outcome.kind).toBe('changed');
    expect(outcome).not.toHaveProperty('job');
  });
});

describe('sequences of step updates', () => {
  it('a three-step job runs to completed one step after the other', () => {
    const j = job('created', 'created', 'created');
    const seen: JobStatus[] = [];
    for (let i = 0; i < 3; i++) {
      expect(j.report(i, { status: 'active' }).kind).toBe('changed');
      seen.push(j.status);
      expect(j.report(i, { status: 'completed' }).kind).toBe('changed');
      seen.push(j.status);
    }
    expect(seen).toEqual(['active', 'pending', 'active', 'pending', 'active', 'completed']);
    expect(j.stepStatuses).toEqual(['completed', 'completed', 'completed']);
  });

  it('a pause of the running step, then its resume, passes the job through the same statuses', () => {
    const j = job('active', 'created');
    j.steps[0].status = stepStatusesAfter('pause', 'pausing', j.stepStatuses)[0];
    j.status = 'pausing';
    expect(j.report(0, { status: 'paused' })).toMatchObject({ job: { status: 'paused' } });
    // A second executor's late claim of the paused step loses.
    expect(j.report(0, { status: 'active' }, ['created', 'pending'])).toMatchObject({ kind: 'refused' });
    j.steps[0].status = stepStatusesAfter('resume', 'resuming', j.stepStatuses)[0];
    j.status = 'resuming';
    expect(j.report(0, { status: 'active' })).toMatchObject({ job: { status: 'active' } });
    expect(j.report(0, { status: 'completed' })).toMatchObject({ job: { status: 'pending' } });
    expect(j.stepStatuses).toEqual(['completed', 'pending']);
  });

  it('a failed first step stops the job: the next step can be cancelled but never started', () => {
    const j = job('active', 'created');
    j.report(0, { status: 'error', error_details: { message: 'boom' } });
    expect(j.status).toBe('error');
    expect(j.errorDetails).toEqual({ message: 'boom' });
    expect(j.report(1, { status: 'active' })).toMatchObject({ rule: 'order' });
    // The job stays in error: a failed step wins over a cancelled one.
    expect(j.report(1, { status: 'cancelled' })).not.toHaveProperty('job');
    expect(j.status).toBe('error');
  });

  it('a repeated report is written once', () => {
    const j = job('active');
    expect(j.report(0, { status: 'completed', status_details: { exit: 0 } }).kind).toBe('changed');
    expect(j.report(0, { status: 'completed', status_details: { exit: 0 } })).toEqual({ kind: 'unchanged' });
  });
});

describe('the action table and the step rules', () => {
  it('agree: every transition of a one-step job moves its step to the status the table names', () => {
    for (const action of JOB_ACTIONS) {
      if (action === 'delete') continue;
      for (const status of JOB_STATUSES) {
        const outcome = actionTable[action][status];
        if (outcome.kind !== 'transition') continue;
        const steps = stepStatusesAfter(action, outcome.to, [status]);
        expect(deriveJobStatus(steps), `${action} in ${status}`).toBe(outcome.to);
      }
    }
  });

  it('agree for a job on its second step: only the current step moves', () => {
    expect(stepStatusesAfter('pause', 'pausing', ['completed', 'active', 'created'])).toEqual([
      'completed',
      'pausing',
      'created',
    ]);
    expect(stepStatusesAfter('cancel', 'cancelling', ['completed', 'pending', 'created'])).toEqual([
      'completed',
      'cancelling',
      'created',
    ]);
    expect(stepStatusesAfter('cancel', 'cancelled', ['created', 'created'])).toEqual([
      'cancelled',
      'cancelled',
    ]);
  });
});

describe('the statuses the executor works from', () => {
  it('claims a step only from a status it may start from', () => {
    for (const status of STARTABLE_STEP_STATUSES) expect(canStepMove(status, 'active'), status).toBe(true);
    for (const status of STARTABLE_STEP_STATUSES) expect(STEP_STATUSES_AWAITING_EXECUTOR).toContain(status);
  });

  it('settles an action on an unstarted step with a move the table allows, for every awaited action', () => {
    const actions = STEP_STATUSES_AWAITING_EXECUTOR.filter((s) => !STARTABLE_STEP_STATUSES.includes(s));
    expect(Object.keys(UNSTARTED_STEP_SETTLES_TO).sort()).toEqual([...actions].sort());
    for (const [from, to] of Object.entries(UNSTARTED_STEP_SETTLES_TO))
      expect(canStepMove(from as JobStatus, to), `${from} → ${to}`).toBe(true);
  });

  it('looks for work again after the statuses that can bring some, not after a pause', () => {
    expect([...JOB_STATUSES_THAT_MAY_BRING_WORK].sort()).toEqual([
      'cancelling',
      'created',
      'pending',
      'resuming',
    ]);
  });

  it('ends an orphaned step in a status the table allows: cancelled if a cancel was under way, else error', () => {
    for (const status of STEP_STATUSES_WAITING_ON_RUNNER) {
      const end = orphanedStepEndsIn(status);
      expect(end, status).toBe(status === 'cancelling' ? 'cancelled' : 'error');
      expect(canStepMove(status, end), `${status} → ${end}`).toBe(true);
    }
    expect(STEP_STATUSES_WAITING_ON_RUNNER).not.toContain('paused');
  });

  it('reports the end of a process from whatever status its step is in by then', () => {
    expect(movesToEnd('active', 'completed')).toEqual(['completed']);
    expect(movesToEnd('active', 'error')).toEqual(['error']);
    expect(movesToEnd('pausing', 'completed')).toEqual(['completed']);
    expect(movesToEnd('paused', 'completed')).toEqual(['active', 'completed']);
    expect(movesToEnd('paused', 'error')).toEqual(['active', 'error']);
    expect(movesToEnd('resuming', 'completed')).toEqual(['active', 'completed']);
    expect(movesToEnd('resuming', 'error')).toEqual(['error']);
    expect(movesToEnd('cancelling', 'completed')).toEqual(['cancelled']);
    // A workload that checkpointed: paused from pausing; a step already paused only gets the details.
    expect(movesToEnd('pausing', 'paused')).toEqual(['paused']);
    expect(movesToEnd('paused', 'paused')).toEqual(['paused']);
    expect(movesToEnd('cancelling', 'paused')).toEqual(['cancelled']);
    for (const finished of ['completed', 'error', 'cancelled'] as const)
      expect(movesToEnd(finished, 'completed')).toEqual([]);
    // Every path is legal move by move.
    for (const from of JOB_STATUSES)
      for (const ended of ['completed', 'error'] as const) {
        let at = from;
        for (const to of movesToEnd(from, ended)) {
          expect(canStepMove(at, to), `${from}: ${at} → ${to}`).toBe(true);
          at = to;
        }
      }
  });

  it('refuses a pause only of a running step that cannot checkpoint (deadline 0, the subprocess default)', () => {
    const step = (status: JobStatus, provider: 'subprocess' | 'cpu', pause_deadline_seconds?: number) => ({
      name: 'train',
      status,
      executor: { provider },
      lifecycle:
        pause_deadline_seconds === undefined
          ? null
          : { staleness_timeout_seconds: 0, pause_deadline_seconds },
    });
    expect(DEFAULT_PAUSE_DEADLINE_SECONDS).toBe(0);
    expect(pauseRefusal(step('active', 'subprocess'))).toBe(
      "the running step 'train' does not support pause",
    );
    expect(pauseRefusal(step('active', 'subprocess', 0))).toBe(
      "the running step 'train' does not support pause",
    );
    expect(pauseRefusal(step('active', 'cpu', 0))).toBe("the running step 'train' does not support pause");
    expect(pauseRefusal(step('active', 'subprocess', 30))).toBeUndefined();
    // A container step's controller decides unless the step says.
    expect(pauseRefusal(step('active', 'cpu'))).toBeUndefined();
    // Not started yet: nothing to checkpoint, the pause holds it back.
    for (const status of ['created', 'pending'] as const) {
      expect(pauseRefusal(step(status, 'subprocess'))).toBeUndefined();
      expect(pauseRefusal(step(status, 'cpu', 0))).toBeUndefined();
    }
    expect(pauseDeadlineSeconds(step('active', 'subprocess'))).toBe(0);
    expect(pauseDeadlineSeconds(step('active', 'cpu'))).toBeUndefined();
    expect(pauseDeadlineSeconds(step('active', 'cpu', 12))).toBe(12);
  });
});
