/**
 * The job lifecycle as data and pure functions: statuses, what each action does in each status,
 * which step transitions are legal, what a step update does to its job, and which statuses an
 * executor looks for. Every door (REST, GraphQL, executors) goes through these.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ExecutorProvider, StepLifecycle, StepStatusUpdate } from './spec.js';

export const JOB_STATUSES = [
  'created',
  'pending',
  'active',
  'cancelled',
  'cancelling',
  'error',
  'completed',
  'paused',
  'pausing',
  'resuming',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'error', 'cancelled']);
export const isTerminal = (status: JobStatus) => TERMINAL_STATUSES.has(status);

export const JOB_ACTIONS = ['pause', 'resume', 'cancel', 'delete'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

/** What an action does to a job in a given status. */
export type ActionOutcome =
  | { kind: 'transition'; to: JobStatus }
  | { kind: 'noop' }
  | { kind: 'delete' }
  | { kind: 'conflict'; reason?: string };

const go = (to: JobStatus): ActionOutcome => ({ kind: 'transition', to });
const noop: ActionOutcome = { kind: 'noop' };
const conflict = (reason?: string): ActionOutcome => ({ kind: 'conflict', reason });

/** The action × status table, cell by cell. */
export const actionTable: Record<JobAction, Record<JobStatus, ActionOutcome>> = {
  pause: {
    created: go('pausing'),
    pending: go('pausing'),
    active: go('pausing'),
    pausing: noop,
    paused: noop,
    resuming: conflict(),
    cancelling: conflict(),
    completed: conflict(),
    error: conflict(),
    cancelled: conflict(),
  },
  resume: {
    created: conflict('it is not paused'),
    pending: conflict('it is not paused'),
    active: noop,
    pausing: conflict('a pause is in flight'),
    paused: go('resuming'),
    resuming: noop,
    cancelling: conflict(),
    completed: conflict('it already succeeded'),
    error: conflict('it failed'),
    cancelled: conflict('a cancel is final'),
  },
  cancel: {
    created: go('cancelled'),
    pending: go('cancelling'),
    active: go('cancelling'),
    pausing: go('cancelling'),
    paused: go('cancelling'),
    resuming: go('cancelling'),
    cancelling: noop,
    completed: noop,
    error: noop,
    cancelled: noop,
  },
  delete: {
    created: conflict('only completed, error or cancelled jobs can be deleted'),
    pending: conflict('only completed, error or cancelled jobs can be deleted'),
    active: conflict('only completed, error or cancelled jobs can be deleted'),
    pausing: conflict('only completed, error or cancelled jobs can be deleted'),
    paused: conflict('only completed, error or cancelled jobs can be deleted'),
    resuming: conflict('only completed, error or cancelled jobs can be deleted'),
    cancelling: conflict('only completed, error or cancelled jobs can be deleted'),
    completed: { kind: 'delete' },
    error: { kind: 'delete' },
    cancelled: { kind: 'delete' },
  },
};

/**
 * A forced cancel (an Admin's `?force=true`): every step not yet finished is `cancelled` at once,
 * without waiting for whoever runs it, so the job is finished and can be deleted. It is for a job
 * whose runner is gone (a container step's controller that no longer runs): a runner still there
 * sees its step end, as it would after any change made elsewhere.
 */
export const forcedCancelStatuses = (stepStatuses: readonly JobStatus[]): JobStatus[] =>
  stepStatuses.map((status) => (isTerminal(status) ? status : 'cancelled'));

/** The actions that would change the job now: neither a no-op nor a conflict. */
export function allowedActions(status: JobStatus): JobAction[] {
  return JOB_ACTIONS.filter((action) => {
    const kind = actionTable[action][status].kind;
    return kind === 'transition' || kind === 'delete';
  });
}

/** Allowed step transitions. A same-status update is a no-op, anything else a 409. */
export const stepTransitions: Record<JobStatus, readonly JobStatus[]> = {
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

export const canStepMove = (from: JobStatus, to: JobStatus) => stepTransitions[from].includes(to);

/** Step statuses the job takes over as its own whenever any step is in one of them, in this order. */
export const JOB_STATUSES_TAKEN_FROM_STEPS: readonly JobStatus[] = [
  'error',
  'cancelling',
  'cancelled',
  'pausing',
  'paused',
  'resuming',
];

/**
 * The job's status follows its steps: a step in a copied status wins, then any active step;
 * all completed means completed; otherwise the current (first unfinished) step's status.
 */
export function deriveJobStatus(stepStatuses: readonly JobStatus[]): JobStatus {
  for (const copied of JOB_STATUSES_TAKEN_FROM_STEPS) if (stepStatuses.includes(copied)) return copied;
  if (stepStatuses.includes('active')) return 'active';
  const current = stepStatuses.find((s) => s !== 'completed');
  return current ?? 'completed';
}

/** Index of the step the job is on: the first one that has not completed. */
export function currentStepIndex(stepStatuses: readonly JobStatus[]): number {
  const index = stepStatuses.findIndex((s) => s !== 'completed');
  return index === -1 ? stepStatuses.length - 1 : index;
}

/**
 * The step statuses after `action` moves a job to `to`: pause stops the current step, resume
 * restarts the paused one, cancel stops whatever runs (or cancels every step of a job that
 * never started).
 */
export function stepStatusesAfter(
  action: Exclude<JobAction, 'delete'>,
  to: JobStatus,
  statuses: readonly JobStatus[],
): JobStatus[] {
  switch (action) {
    case 'pause':
      return statuses.map((s, i) => (i === currentStepIndex(statuses) ? 'pausing' : s));
    case 'resume':
      return statuses.map((s) => (s === 'paused' ? 'resuming' : s));
    case 'cancel':
      if (to === 'cancelled') return statuses.map((s) => (isTerminal(s) ? s : 'cancelled'));
      return statuses.map((s) => (STEP_STATUSES_A_CANCEL_STOPS.has(s) ? 'cancelling' : s));
  }
}

/**
 * A step in one of these is in an executor's hands (waiting for it, or running): a cancel asks the
 * executor to stop it (`cancelling`) instead of cancelling it outright.
 */
const STEP_STATUSES_A_CANCEL_STOPS: ReadonlySet<JobStatus> = new Set([
  'pending',
  'active',
  'pausing',
  'paused',
  'resuming',
]);

type Details = Record<string, unknown>;

/** A step as the step-update rules see it. */
export interface StepState {
  name: string;
  status: JobStatus;
  statusDetails: Details;
  errorDetails: Details | null;
}

/** New values for the step at `index`. */
export interface StepChange {
  index: number;
  changes: { status: JobStatus; statusDetails?: Details; errorDetails?: Details };
}

/**
 * A step update the lifecycle forbids, by the rule it breaks: `no-longer-expected` (the update was
 * conditional on the step's status, and the step has moved on), `transition` (the step transition
 * table has no such move), `order` (an earlier step has not completed, and only a cancel may
 * overtake it). `reason` completes the message where the bare transition does not say it all.
 */
export interface StepUpdateRefusal {
  kind: 'refused';
  rule: 'no-longer-expected' | 'transition' | 'order';
  reason?: string;
}

export type StepUpdateOutcome =
  | StepUpdateRefusal
  /** Same status, nothing new: nothing is written, not even the update time. */
  | { kind: 'unchanged' }
  | {
      kind: 'changed';
      /** The reported step first, then the later steps it moves along. */
      steps: StepChange[];
      /** Present when the job's status changes with its steps. */
      job?: { status: JobStatus; errorDetails?: Details };
    };

/**
 * What an executor's report about the step at `index` does: checks it against the step
 * transition table and the order of steps, merges the details, starts the next step when one
 * completes, cancels the steps that never started when one is cancelled, and derives the job's
 * status (with the reported step's error details when the job fails). With `expected`, the update
 * applies only while the step is in one of those statuses.
 */
export function decideStepUpdate(
  jobStatus: JobStatus,
  steps: readonly StepState[],
  index: number,
  update: StepStatusUpdate,
  expected?: readonly JobStatus[],
): StepUpdateOutcome {
  const step = steps[index];
  if (!step) throw new RangeError(`There is no step at position ${index}.`);
  const moves = step.status !== update.status;
  if (expected && !expected.includes(step.status)) {
    return {
      kind: 'refused',
      rule: 'no-longer-expected',
      reason: `it is no longer ${expected.join(' or ')}`,
    };
  }
  if (moves && !canStepMove(step.status, update.status)) return { kind: 'refused', rule: 'transition' };
  // Steps run in order: a later step may only be cancelled before the ones ahead complete.
  const unfinished = steps.slice(0, index).find((s) => s.status !== 'completed');
  if (moves && unfinished && update.status !== 'cancelled') {
    return { kind: 'refused', rule: 'order', reason: `step '${unfinished.name}' has not completed` };
  }
  const statusDetails = { ...step.statusDetails, ...update.status_details };
  if (
    !moves &&
    isDeepStrictEqual(statusDetails, step.statusDetails) &&
    (update.error_details === undefined || isDeepStrictEqual(update.error_details, step.errorDetails))
  ) {
    return { kind: 'unchanged' };
  }

  const reported: StepChange = { index, changes: { status: update.status, statusDetails } };
  if (update.error_details !== undefined) reported.changes.errorDetails = update.error_details;
  const changes: StepChange[] = [reported];
  const next = steps[index + 1];
  if (update.status === 'completed' && next?.status === 'created') {
    changes.push({ index: index + 1, changes: { status: 'pending' } });
  }
  // A cancelled step ends the job: the steps that never started are cancelled with it.
  if (update.status === 'cancelled') {
    steps.forEach((later, i) => {
      if (i > index && later.status === 'created')
        changes.push({ index: i, changes: { status: 'cancelled' } });
    });
  }

  const statuses = steps.map((s) => s.status);
  for (const { index: i, changes: c } of changes) statuses[i] = c.status;
  const status = deriveJobStatus(statuses);
  if (status === jobStatus) return { kind: 'changed', steps: changes };
  const errorDetails = reported.changes.errorDetails ?? step.errorDetails ?? {};
  return {
    kind: 'changed',
    steps: changes,
    job: status === 'error' ? { status, errorDetails } : { status },
  };
}

/** Step statuses of a step waiting to start: an executor claims it by moving it to `active` from one of these. */
export const STARTABLE_STEP_STATUSES: readonly JobStatus[] = ['created', 'pending'];

/** A job's current step in one of these waits for an executor: to start it, or to settle an action on it. */
export const STEP_STATUSES_AWAITING_EXECUTOR: readonly JobStatus[] = [
  'created',
  'pending',
  'pausing',
  'resuming',
  'cancelling',
];

/**
 * After a job moves to one of these, an executor may find work that its last look did not see. A
 * pause is not among them: only a step that was already waiting (so already seen) can be paused
 * before it started.
 */
export const JOB_STATUSES_THAT_MAY_BRING_WORK: ReadonlySet<JobStatus> = new Set([
  'created',
  'pending',
  'resuming',
  'cancelling',
]);

/**
 * A started step in one of these waits on the executor running it to move it on; if that
 * executor's process died, nobody will. (A paused step waits on the user instead.)
 */
export const STEP_STATUSES_WAITING_ON_RUNNER: readonly JobStatus[] = [
  'active',
  'pausing',
  'resuming',
  'cancelling',
];

/**
 * Where an action on a step with no process ends (it never started, or it was paused by checkpoint
 * and its process is gone): a pause holds it, a resume sends it back to wait for an executor
 * (`resuming → pending`), a cancel ends it.
 */
export const UNSTARTED_STEP_SETTLES_TO: Partial<Record<JobStatus, JobStatus>> = {
  pausing: 'paused',
  resuming: 'pending',
  cancelling: 'cancelled',
};

/**
 * How long a step that runs in the built-in executor may take to checkpoint and exit once asked to
 * pause, when its lifecycle does not say: none, as upstream, so such a step cannot be paused while it
 * runs. (A container step's controller decides for its own steps unless the step says.)
 */
export const DEFAULT_PAUSE_DEADLINE_SECONDS = 0;

/** A step's pause deadline in seconds; undefined when its controller decides. */
export function pauseDeadlineSeconds(step: {
  executor: { provider: ExecutorProvider };
  lifecycle: StepLifecycle | null;
}): number | undefined {
  const own = step.lifecycle?.pause_deadline_seconds;
  if (own !== undefined) return own;
  return step.executor.provider === 'subprocess' ? DEFAULT_PAUSE_DEADLINE_SECONDS : undefined;
}

/**
 * Why pausing a job at `step` (its current step) is refused, if it is. A pause stops a running step
 * by checkpoint: the workload gets SIGTERM, saves its state and exits, within its pause deadline. A
 * deadline of 0 means it cannot, so pausing it while it runs is refused. A step that has not started
 * yet can always be held back: there is nothing to checkpoint.
 */
export function pauseRefusal(step: {
  name: string;
  status: JobStatus;
  executor: { provider: ExecutorProvider };
  lifecycle: StepLifecycle | null;
}): string | undefined {
  if (step.status === 'active' && pauseDeadlineSeconds(step) === 0) {
    return `the running step '${step.name}' does not support pause`;
  }
  return undefined;
}

/** The exit code with which a workload says it saved a checkpoint and stopped, as asked: the step is paused. */
export const CHECKPOINTED_EXIT_CODE = 75;

/** How a step ends when the process running it is gone: a cancel under way completes; anything else failed. */
export const orphanedStepEndsIn = (status: JobStatus): JobStatus =>
  status === 'cancelling' ? 'cancelled' : 'error';

/**
 * The moves that report the end of a step's process (`ended`: completed or error) from the step's
 * status now: none for a step already finished; a step being cancelled ends `cancelled` whatever
 * the process did; a paused or resuming one passes through `active` where the table requires; a
 * step already in the reported status gets the report's details.
 */
export function movesToEnd(from: JobStatus, ended: JobStatus): JobStatus[] {
  if (isTerminal(from)) return [];
  if (from === ended) return [ended];
  const to = from === 'cancelling' ? 'cancelled' : ended;
  return !canStepMove(from, to) && canStepMove(from, 'active') ? ['active', to] : [to];
}
