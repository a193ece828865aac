/**
 * The job lifecycle as tests. The action × status table and the step transition table are written out
 * here again, as data copied from the contract (not imported from src/jobs/lifecycle.ts), and
 * every cell is checked through the public API, REST and GraphQL, so contract and code cannot
 * drift apart without a test failing.
 */
import { describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, useGateway } from './support/gateway.js';
import { reachStatus } from './support/lifecycle.js';

const STATUSES = [
  'created',
  'pending',
  'active',
  'pausing',
  'paused',
  'resuming',
  'cancelling',
  'completed',
  'error',
  'cancelled',
] as const;
type Status = (typeof STATUSES)[number];
const ACTIONS = ['pause', 'resume', 'cancel', 'delete'] as const;
type Action = (typeof ACTIONS)[number];

/** A cell of the action table: a transition, a 200 no-op, a 409 (with what the message must say) or a delete. */
type Cell = { to: Status } | 'noop' | { conflict: RegExp | null } | 'deleted';
const to = (status: Status): Cell => ({ to: status });
const conflict = (says: RegExp | null = null): Cell => ({ conflict: says });

/** The action × status table ("job status | pause | resume | cancel | delete"), one row per status. */
const ACTION_TABLE: Record<Status, Record<Action, Cell>> = {
  created: { pause: to('pausing'), resume: conflict(), cancel: to('cancelled'), delete: conflict() },
  pending: { pause: to('pausing'), resume: conflict(), cancel: to('cancelling'), delete: conflict() },
  active: { pause: to('pausing'), resume: 'noop', cancel: to('cancelling'), delete: conflict() },
  pausing: { pause: 'noop', resume: conflict(), cancel: to('cancelling'), delete: conflict() },
  paused: { pause: 'noop', resume: to('resuming'), cancel: to('cancelling'), delete: conflict() },
  resuming: { pause: conflict(), resume: 'noop', cancel: to('cancelling'), delete: conflict() },
  cancelling: { pause: conflict(), resume: conflict(), cancel: 'noop', delete: conflict() },
  completed: { pause: conflict(), resume: conflict(/succeeded/), cancel: 'noop', delete: 'deleted' },
  error: { pause: conflict(), resume: conflict(/failed/), cancel: 'noop', delete: 'deleted' },
  cancelled: { pause: conflict(), resume: conflict(/cancel is final/), cancel: 'noop', delete: 'deleted' },
};

/** The allowed step transitions; a same-status update is a no-op, anything else a 409. */
const STEP_TRANSITIONS: Record<Status, Status[]> = {
  created: ['pending', 'active', 'cancelling', 'cancelled', 'pausing', 'paused', 'error'],
  pending: ['active', 'cancelling', 'cancelled', 'error', 'pausing', 'paused', 'completed'],
  active: ['completed', 'error', 'cancelling', 'cancelled', 'pausing', 'paused'],
  pausing: ['paused', 'error', 'cancelling', 'completed'],
  paused: ['resuming', 'active', 'cancelling'],
  resuming: ['pending', 'active', 'error', 'cancelling'],
  cancelling: ['cancelled', 'error'],
  completed: [],
  error: [],
  cancelled: [],
};

/** The actions a UI may enable: neither a no-op nor a 409. */
const allowedIn = (status: Status) =>
  ACTIONS.filter((action) => {
    const cell = ACTION_TABLE[status][action];
    return cell === 'deleted' || (typeof cell === 'object' && 'to' in cell);
  });

const cellName = (cell: Cell) => (typeof cell === 'string' ? cell : 'to' in cell ? `→ ${cell.to}` : '409');

const upper = (s: string) => s.toUpperCase();
const capitalized = (s: string) => s[0].toUpperCase() + s.slice(1);

const JOB_STATE = /* GraphQL */ `
  query JobState($workspace: String!, $name: String!) {
    job(workspace: $workspace, name: $name) {
      status
      updatedAt
      errorDetails
      allowedActions
      events {
        totalCount
        nodes {
          status
          previousStatus
        }
      }
    }
  }
`;

/** pauseJob, resumeJob, cancelJob or deleteJob with every branch of its result union. */
const mutationFor = (action: Action) => /* GraphQL */ `
  mutation Act($workspace: String!, $name: String!) {
    result: ${action}Job(workspace: $workspace, name: $name) {
      __typename
      ... on ${capitalized(action)}JobSuccess {
        ${action === 'delete' ? 'deletedJob { workspace name }' : 'job { status updatedAt }'}
      }
      ... on JobStateConflictError { message name status }
      ... on JobNotFoundError { message }
    }
  }
`;

/** Every cell of the action × status table, for the REST and the GraphQL walk. */
const TABLE_CELLS = STATUSES.flatMap((status) =>
  ACTIONS.map((action) => ({
    status,
    action,
    cell: ACTION_TABLE[status][action],
    label: cellName(ACTION_TABLE[status][action]),
  })),
);

describe.each(databaseKinds)('lifecycle on $name', (kind) => {
  const suite = useGateway(kind);

  const jobPath = (ws: string, name: string) => `${JOBS}/workspaces/${ws}/jobs/${name}`;
  const patchStep = (ws: string, job: string, step: string, body: unknown) =>
    http(suite.base, 'PATCH', `${jobPath(ws, job)}/steps/${step}/status`, body);

  async function jobState(ws: string, name: string) {
    const res = await gql(suite.base, JOB_STATE, { workspace: ws, name });
    expect(res.errors).toBeUndefined();
    return res.data.job as {
      status: string;
      updatedAt: string;
      errorDetails: unknown;
      allowedActions: string[];
      events: { totalCount: number; nodes: { status: string; previousStatus: string | null }[] };
    } | null;
  }

  describe('the action × status table over REST', () => {
    it.each(TABLE_CELLS)('$action on a $status job: $label', async ({ status, action, cell }) => {
      const ws = uniqueWorkspace();
      const name = `${action}-${status}`;
      const before = await reachStatus(suite.base, ws, name, status);
      const eventsBefore = (await jobState(ws, name))!.events.totalCount;

      const res =
        action === 'delete'
          ? await http(suite.base, 'DELETE', jobPath(ws, name))
          : await http(suite.base, 'POST', `${jobPath(ws, name)}/${action}`, {});
      const after = await http(suite.base, 'GET', jobPath(ws, name));

      if (cell === 'deleted') {
        expect(res.status).toBe(204);
        expect(res.text).toBe('');
        expect(after.status).toBe(404);
        expect(after.body).toEqual({ detail: `Job '${name}' not found in workspace '${ws}'.` });
        return;
      }
      if (cell === 'noop') {
        expect(res.status).toBe(200);
        expect(res.body).toEqual(before);
        expect(after.body).toEqual(before);
        expect((await jobState(ws, name))!.events.totalCount).toBe(eventsBefore);
        return;
      }
      if ('conflict' in cell) {
        expect(res.status).toBe(409);
        expect(res.headers.get('x-should-retry')).toBe('false');
        expect(typeof res.body.detail).toBe('string');
        expect(res.body.detail.startsWith(`Cannot ${action} job '${name}': the job is ${status}`)).toBe(true);
        expect(res.body.detail).toMatch(/\.$/);
        if (cell.conflict) expect(res.body.detail).toMatch(cell.conflict);
        expect(after.body).toEqual(before);
        expect((await jobState(ws, name))!.events.totalCount).toBe(eventsBefore);
        return;
      }
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: before.id,
        name,
        workspace: ws,
        status: cell.to,
        created_at: before.created_at,
      });
      expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(before.updated_at));
      expect(after.body).toEqual(res.body);
      // One status change, one event.
      const state = (await jobState(ws, name))!;
      expect(state.events.totalCount).toBe(eventsBefore + 1);
      expect(state.events.nodes.at(-1)).toEqual({ status: upper(cell.to), previousStatus: upper(status) });
    });
  });

  describe('the action × status table over GraphQL', () => {
    it.each(TABLE_CELLS)('$action on a $status job: $label', async ({ status, action, cell }) => {
      const ws = uniqueWorkspace();
      const name = `${action}-${status}`;
      await reachStatus(suite.base, ws, name, status);
      const before = (await jobState(ws, name))!;
      expect(before.status).toBe(upper(status));

      const res = await gql(suite.base, mutationFor(action), { workspace: ws, name });
      expect(res.errors).toBeUndefined();
      const result = res.data.result;
      const after = await jobState(ws, name);

      if (cell === 'deleted') {
        expect(result).toEqual({ __typename: 'DeleteJobSuccess', deletedJob: { workspace: ws, name } });
        expect(after).toBeNull();
        return;
      }
      if (cell === 'noop') {
        expect(result).toEqual({
          __typename: `${capitalized(action)}JobSuccess`,
          job: { status: before.status, updatedAt: before.updatedAt },
        });
        expect(after).toEqual(before);
        return;
      }
      if ('conflict' in cell) {
        expect(result.__typename).toBe('JobStateConflictError');
        expect(result.status).toBe(upper(status));
        expect(result.name).toBe(name);
        expect(result.message.startsWith(`Cannot ${action} job '${name}': the job is ${status}`)).toBe(true);
        if (cell.conflict) expect(result.message).toMatch(cell.conflict);
        expect(after).toEqual(before);
        return;
      }
      expect(result.__typename).toBe(`${capitalized(action)}JobSuccess`);
      expect(result.job.status).toBe(upper(cell.to));
      expect(after!.status).toBe(upper(cell.to));
      expect(after!.events.totalCount).toBe(before.events.totalCount + 1);
      expect(after!.events.nodes.at(-1)).toEqual({ status: upper(cell.to), previousStatus: upper(status) });
    });

    it.each(STATUSES.map((status) => ({ status, allowed: allowedIn(status) })))(
      'allowedActions of a $status job is exactly $allowed',
      async ({ status, allowed }) => {
        const ws = uniqueWorkspace();
        await reachStatus(suite.base, ws, 'buttons', status);
        const state = (await jobState(ws, 'buttons'))!;
        expect([...state.allowedActions].sort()).toEqual(allowed.map(upper).sort());
      },
    );
  });

  describe('the step transition table', () => {
    // On a one-step job the step's status is the job's, so reachStatus reaches every from-status.
    const cases = STATUSES.flatMap((from) =>
      STATUSES.map((target) => ({
        from,
        target,
        verdict: target === from ? 'no-op' : STEP_TRANSITIONS[from].includes(target) ? 'allowed' : '409',
      })),
    );

    it.each(cases)('step $from → $target is $verdict', async ({ from, target, verdict }) => {
      const ws = uniqueWorkspace();
      const name = `step-${from}-${target}`;
      await reachStatus(suite.base, ws, name, from);
      const tree = await http(suite.base, 'GET', `${jobPath(ws, name)}/status`);
      expect(tree.body.steps[0].status).toBe(from);
      const eventsBefore = (await jobState(ws, name))!.events.totalCount;

      const res = await patchStep(ws, name, 'step-a', { status: target });
      const treeAfter = await http(suite.base, 'GET', `${jobPath(ws, name)}/status`);

      if (verdict === '409') {
        expect(res.status).toBe(409);
        expect(res.headers.get('x-should-retry')).toBe('false');
        expect(res.body).toEqual({ detail: expect.stringMatching(/^Cannot .*\.$/) });
        expect(res.body.detail).toContain(`'step-a'`);
        expect(res.body.detail).toContain(` ${from} `);
        expect(res.body.detail).toContain(` ${target}.`);
        expect(treeAfter.body).toEqual(tree.body);
        expect((await jobState(ws, name))!.events.totalCount).toBe(eventsBefore);
        return;
      }
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'step-a', status: target, job: name, workspace: ws });
      if (verdict === 'no-op') {
        const { tasks: _tasks, ...stepBefore } = tree.body.steps[0];
        expect(res.body).toMatchObject(stepBefore);
        expect(treeAfter.body).toEqual(tree.body);
        expect((await jobState(ws, name))!.events.totalCount).toBe(eventsBefore);
        return;
      }
      // A one-step job follows its step, with exactly one status event for the change.
      expect(treeAfter.body.steps[0].status).toBe(target);
      expect(treeAfter.body.status).toBe(target);
      const state = (await jobState(ws, name))!;
      expect(state.events.totalCount).toBe(eventsBefore + 1);
      expect(state.events.nodes.at(-1)).toEqual({ status: upper(target), previousStatus: upper(from) });
    });
  });

  describe('a job with two steps', () => {
    it('follows its current step to completion, one event per job status change', async () => {
      const ws = uniqueWorkspace();
      const name = 'two-steps';
      const created = await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps(name, 2));
      expect(created.status).toBe(201);
      const statusOf = async () => {
        const tree = (await http(suite.base, 'GET', `${jobPath(ws, name)}/status`)).body;
        return { job: tree.status, steps: tree.steps.map((s: { status: string }) => s.status) };
      };

      expect(
        (await patchStep(ws, name, 'step-a', { status: 'active', status_details: { progress: 0.1 } })).status,
      ).toBe(200);
      expect(await statusOf()).toEqual({ job: 'active', steps: ['active', 'created'] });

      // Progress reports on the same status merge their details and change no job status.
      const progress = await patchStep(ws, name, 'step-a', {
        status: 'active',
        status_details: { phase: 'tokenize' },
      });
      expect(progress.status).toBe(200);
      expect(progress.body.status_details).toEqual({ progress: 0.1, phase: 'tokenize' });

      const done = await patchStep(ws, name, 'step-a', {
        status: 'completed',
        status_details: { progress: 1 },
      });
      expect(done.status).toBe(200);
      expect(done.body.status_details).toEqual({ progress: 1, phase: 'tokenize' });
      expect(await statusOf()).toEqual({ job: 'pending', steps: ['completed', 'pending'] });

      expect((await patchStep(ws, name, 'step-b', { status: 'active' })).status).toBe(200);
      expect(await statusOf()).toEqual({ job: 'active', steps: ['completed', 'active'] });

      expect((await patchStep(ws, name, 'step-b', { status: 'completed' })).status).toBe(200);
      expect(await statusOf()).toEqual({ job: 'completed', steps: ['completed', 'completed'] });

      const tree = (await http(suite.base, 'GET', `${jobPath(ws, name)}/status`)).body;
      expect(tree.steps[0].status_details).toEqual({ progress: 1, phase: 'tokenize' });
      const job = (await http(suite.base, 'GET', jobPath(ws, name))).body;
      expect(Date.parse(job.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));

      const state = (await jobState(ws, name))!;
      expect(state.events.nodes).toEqual([
        { status: 'CREATED', previousStatus: null },
        { status: 'ACTIVE', previousStatus: 'CREATED' },
        { status: 'PENDING', previousStatus: 'ACTIVE' },
        { status: 'ACTIVE', previousStatus: 'PENDING' },
        { status: 'COMPLETED', previousStatus: 'ACTIVE' },
      ]);
      expect(state.events.totalCount).toBe(5);
      expect(state.allowedActions).toEqual(['DELETE']);
    });

    it('copies a failing step’s error_details to the job', async () => {
      const ws = uniqueWorkspace();
      const name = 'fails';
      await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps(name, 2));
      await patchStep(ws, name, 'step-a', { status: 'active' });
      const errorDetails = { message: 'CUDA out of memory', exit_code: 137 };
      const failed = await patchStep(ws, name, 'step-a', { status: 'error', error_details: errorDetails });
      expect(failed.status).toBe(200);
      expect(failed.body.error_details).toEqual(errorDetails);

      const job = (await http(suite.base, 'GET', jobPath(ws, name))).body;
      expect(job.status).toBe('error');
      expect(job.error_details).toEqual(errorDetails);
      const tree = (await http(suite.base, 'GET', `${jobPath(ws, name)}/status`)).body;
      expect(tree.error_details).toEqual(errorDetails);
      expect(tree.steps.map((s: { status: string }) => s.status)).toEqual(['error', 'created']);
      expect(tree.steps[0].error_details).toEqual(errorDetails);

      const state = (await jobState(ws, name))!;
      expect(state.errorDetails).toEqual(errorDetails);
      expect(state.events.nodes).toEqual([
        { status: 'CREATED', previousStatus: null },
        { status: 'ACTIVE', previousStatus: 'CREATED' },
        { status: 'ERROR', previousStatus: 'ACTIVE' },
      ]);
    });

    it('pauses, resumes and cancels at the current step', async () => {
      const ws = uniqueWorkspace();
      const name = 'second-step';
      await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps(name, 2));
      await patchStep(ws, name, 'step-a', { status: 'active' });
      await patchStep(ws, name, 'step-a', { status: 'completed' });
      await patchStep(ws, name, 'step-b', { status: 'active' });
      const steps = async () =>
        (await http(suite.base, 'GET', `${jobPath(ws, name)}/status`)).body.steps.map(
          (s: { status: string }) => s.status,
        );

      expect((await http(suite.base, 'POST', `${jobPath(ws, name)}/pause`, {})).body.status).toBe('pausing');
      expect(await steps()).toEqual(['completed', 'pausing']);
      await patchStep(ws, name, 'step-b', { status: 'paused' });
      expect((await http(suite.base, 'POST', `${jobPath(ws, name)}/resume`, {})).body.status).toBe(
        'resuming',
      );
      expect(await steps()).toEqual(['completed', 'resuming']);
      await patchStep(ws, name, 'step-b', { status: 'active' });
      expect((await http(suite.base, 'POST', `${jobPath(ws, name)}/cancel`, {})).body.status).toBe(
        'cancelling',
      );
      expect(await steps()).toEqual(['completed', 'cancelling']);
      await patchStep(ws, name, 'step-b', { status: 'cancelled' });
      expect((await http(suite.base, 'GET', jobPath(ws, name))).body.status).toBe('cancelled');
    });
  });

  describe('concurrency', () => {
    it('20 concurrent PATCHes completing one step make one transition and one event', async () => {
      const ws = uniqueWorkspace();
      const name = 'raced-step';
      await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps(name, 2));
      await patchStep(ws, name, 'step-a', { status: 'active' });

      const results = await Promise.all(
        Array.from({ length: 20 }, () => patchStep(ws, name, 'step-a', { status: 'completed' })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect(new Set(results.map((r) => r.body.status))).toEqual(new Set(['completed']));
      // Every answer shows the one transition.
      expect(new Set(results.map((r) => r.body.updated_at)).size).toBe(1);

      const tree = (await http(suite.base, 'GET', `${jobPath(ws, name)}/status`)).body;
      expect(tree.status).toBe('pending');
      expect(tree.steps.map((s: { status: string }) => s.status)).toEqual(['completed', 'pending']);
      const state = (await jobState(ws, name))!;
      expect(state.events.nodes).toEqual([
        { status: 'CREATED', previousStatus: null },
        { status: 'ACTIVE', previousStatus: 'CREATED' },
        { status: 'PENDING', previousStatus: 'ACTIVE' },
      ]);
    });

    it('concurrent cancels and pauses serialize: each transition happens once and the history is a chain', async () => {
      const ws = uniqueWorkspace();
      const name = 'raced-actions';
      await reachStatus(suite.base, ws, name, 'active');

      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          http(suite.base, 'POST', `${jobPath(ws, name)}/${i % 2 ? 'pause' : 'cancel'}`, {}),
        ),
      );
      const cancels = results.filter((_, i) => i % 2 === 0);
      const pauses = results.filter((_, i) => i % 2 === 1);
      // Cancel always wins in the end; a pause either ran first (→ pausing) or lost (409 cancelling).
      for (const r of cancels) expect([r.status, r.body.status]).toEqual([200, 'cancelling']);
      for (const r of pauses) {
        if (r.status === 200) expect(r.body.status).toBe('pausing');
        else
          expect([r.status, r.body.detail]).toEqual([
            409,
            `Cannot pause job '${name}': the job is cancelling.`,
          ]);
      }
      expect((await http(suite.base, 'GET', jobPath(ws, name))).body.status).toBe('cancelling');

      const events = (await jobState(ws, name))!.events.nodes;
      const pausedFirst = pauses.some((r) => r.status === 200);
      expect(events).toEqual([
        { status: 'CREATED', previousStatus: null },
        { status: 'ACTIVE', previousStatus: 'CREATED' },
        ...(pausedFirst
          ? [
              { status: 'PAUSING', previousStatus: 'ACTIVE' },
              { status: 'CANCELLING', previousStatus: 'PAUSING' },
            ]
          : [{ status: 'CANCELLING', previousStatus: 'ACTIVE' }]),
      ]);
    });
  });
});
