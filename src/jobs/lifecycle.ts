/**
 * The job lifecycle as data: statuses, what each action does in each status, and
 * which step transitions are legal. Every door (REST, GraphQL, executors) goes through these.
 */
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

/** Step statuses the job takes over as its own whenever any step is in one of them. */
const COPIED_FROM_STEP: readonly JobStatus[] = [
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
  for (const copied of COPIED_FROM_STEP) if (stepStatuses.includes(copied)) return copied;
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
      return statuses.map((s) => (RUNNING_STEP_STATUSES.has(s) ? 'cancelling' : s));
  }
}

/** A step in one of these has been started and must be stopped by its executor. */
const RUNNING_STEP_STATUSES: ReadonlySet<JobStatus> = new Set([
  'pending',
  'active',
  'pausing',
  'paused',
  'resuming',
]);
