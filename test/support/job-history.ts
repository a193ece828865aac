/**
 * What the answers clients received and the status history a workspace recorded must agree on, for
 * the property suites: the history is contiguous and made of lifecycle transitions, each job's
 * status is its last event and is derived from its steps, and every answer a client received is a
 * point of that history, in the order that client received them.
 */
import { asc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';
import {
  actionTable,
  decideStepUpdate,
  deriveJobStatus,
  isTerminal,
  JOB_ACTIONS,
  JOB_STATUSES,
  type JobStatus,
} from '../../src/jobs/lifecycle.js';
import { jobs, jobStatusEvents, jobSteps } from '../../src/jobs/tables.js';

/**
 * Every job status change the lifecycle can make: an action's transition, or the status a step
 * update derives for a job of up to `maxSteps` steps. Step vectors are enumerated whether or not
 * they are reachable, so this is a superset of the real moves (a sound check, not a tight one);
 * it is built from src/jobs/lifecycle.ts so that it checks what the service wrote against the
 * rules, not the rules themselves (test/lifecycle.test.ts restates those cell by cell).
 */
export function jobTransitions(maxSteps: number): Set<string> {
  const moves = new Set<string>();
  for (const action of JOB_ACTIONS) {
    for (const from of JOB_STATUSES) {
      const outcome = actionTable[action][from];
      if (outcome.kind === 'transition') moves.add(`${from} → ${outcome.to}`);
    }
  }
  const vectors = (n: number): JobStatus[][] =>
    n === 0 ? [[]] : vectors(n - 1).flatMap((v) => JOB_STATUSES.map((s) => [...v, s]));
  for (let n = 1; n <= maxSteps; n++) {
    for (const statuses of vectors(n)) {
      const jobStatus = deriveJobStatus(statuses);
      const steps = statuses.map((status, i) => ({
        name: `s${i}`,
        status,
        statusDetails: {},
        errorDetails: null,
      }));
      for (let index = 0; index < n; index++) {
        for (const to of JOB_STATUSES) {
          const outcome = decideStepUpdate(jobStatus, steps, index, { status: to });
          if (outcome.kind === 'changed' && outcome.job) moves.add(`${jobStatus} → ${outcome.job.status}`);
        }
      }
    }
  }
  return moves;
}

export interface HistoryEvent {
  id: number;
  jobId: string;
  jobName: string;
  status: JobStatus;
  previousStatus: JobStatus | null;
}

export interface WorkspaceState {
  events: HistoryEvent[];
  jobs: { id: string; name: string; status: JobStatus; updatedAt: Date }[];
  steps: { jobId: string; position: number; name: string; status: JobStatus; updatedAt: Date }[];
}

/**
 * A workspace's jobs, steps and status events, straight from the database. Events are in the order
 * every reader gets them (the event feed, SSE, GraphQL `events`): by the id of the transaction that
 * wrote them, then by their own id. A job's changes lock its row, so that order must be the order in
 * which they happened.
 */
export async function readWorkspace(db: Database, workspace: string): Promise<WorkspaceState> {
  const events = await db
    .select({
      id: jobStatusEvents.id,
      jobId: jobStatusEvents.jobId,
      jobName: jobStatusEvents.jobName,
      status: jobStatusEvents.status,
      previousStatus: jobStatusEvents.previousStatus,
    })
    .from(jobStatusEvents)
    .where(eq(jobStatusEvents.workspace, workspace))
    .orderBy(asc(jobStatusEvents.xid), asc(jobStatusEvents.id));
  const jobRows = await db
    .select({ id: jobs.id, name: jobs.name, status: jobs.status, updatedAt: jobs.updatedAt })
    .from(jobs)
    .where(eq(jobs.workspace, workspace))
    .orderBy(asc(jobs.id));
  const ids = jobRows.map((j) => j.id);
  const steps =
    ids.length === 0
      ? []
      : await db
          .select({
            jobId: jobSteps.jobId,
            position: jobSteps.position,
            name: jobSteps.name,
            status: jobSteps.status,
            updatedAt: jobSteps.updatedAt,
          })
          .from(jobSteps)
          .where(inArray(jobSteps.jobId, ids))
          .orderBy(asc(jobSteps.jobId), asc(jobSteps.position));
  return { events, jobs: jobRows, steps };
}

/** One answer a client received that names a job and the status it had then. */
export interface Observation {
  client: number;
  jobId: string;
  /** The job's status it was told; unknown for a step update of a job of several steps. */
  status?: JobStatus;
  /** What the client did, for the failure message. */
  what: string;
  /** An answer to a change (not a read): each recorded change needs one of these. */
  change: boolean;
}

export interface HistoryClaims {
  /** Job ids a create answered 201 for. */
  created: string[];
  /** Job names a delete answered 204 for, once per answer. */
  deleted: string[];
  observations: Observation[];
}

/** The ways `state` disagrees with the lifecycle and with what clients were told; empty when none. */
export function historyProblems(
  state: WorkspaceState,
  claims: HistoryClaims,
  transitions: Set<string>,
): string[] {
  const problems: string[] = [];
  const byJob = new Map<string, HistoryEvent[]>();
  for (const event of state.events) {
    const list = byJob.get(event.jobId) ?? [];
    list.push(event);
    byJob.set(event.jobId, list);
  }

  // Exactly the 201s created jobs; each history starts at `created` and each event follows the last.
  const created = [...claims.created].sort();
  const recorded = [...byJob.keys()].sort();
  if (JSON.stringify(created) !== JSON.stringify(recorded)) {
    problems.push(
      `jobs answered 201 ${JSON.stringify(created)}, jobs with a history ${JSON.stringify(recorded)}`,
    );
  }
  for (const [jobId, events] of byJob) {
    events.forEach((event, k) => {
      const previous = k === 0 ? null : events[k - 1].status;
      if (event.previousStatus !== previous) {
        problems.push(
          `${jobId} event ${k}: previous status ${event.previousStatus}, history says ${previous}`,
        );
      }
      if (k === 0 && event.status !== 'created') problems.push(`${jobId} starts at ${event.status}`);
      if (k > 0 && !transitions.has(`${previous} → ${event.status}`)) {
        problems.push(`${jobId} event ${k}: ${previous} → ${event.status} is no lifecycle transition`);
      }
    });
  }

  // A job's status is its last event's and what its steps derive; a job gone was deleted, finished.
  const deletedByName = new Map<string, number>();
  for (const [jobId, events] of byJob) {
    const last = events[events.length - 1].status;
    const job = state.jobs.find((j) => j.id === jobId);
    if (!job) {
      if (!isTerminal(last)) problems.push(`${jobId} is gone while ${last}`);
      const name = events[0].jobName;
      deletedByName.set(name, (deletedByName.get(name) ?? 0) + 1);
      continue;
    }
    if (job.status !== last) problems.push(`${jobId} is ${job.status}, its last event ${last}`);
    const stepStatuses = state.steps.filter((s) => s.jobId === jobId).map((s) => s.status);
    const derived = deriveJobStatus(stepStatuses);
    if (job.status !== derived) {
      problems.push(`${jobId} is ${job.status}, its steps ${stepStatuses.join(', ')} derive ${derived}`);
    }
  }
  const answered = new Map<string, number>();
  for (const name of claims.deleted) answered.set(name, (answered.get(name) ?? 0) + 1);
  for (const name of new Set([...answered.keys(), ...deletedByName.keys()])) {
    if ((answered.get(name) ?? 0) !== (deletedByName.get(name) ?? 0)) {
      problems.push(
        `${name}: ${answered.get(name) ?? 0} deletes answered 204, ${deletedByName.get(name) ?? 0} jobs gone`,
      );
    }
  }

  // Each client's answers about a job are points of its history, in the order it received them.
  const position = new Map<string, number>();
  for (const seen of claims.observations) {
    if (!seen.status) continue;
    const events = byJob.get(seen.jobId) ?? [];
    const key = `${seen.client} ${seen.jobId}`;
    const from = position.get(key) ?? 0;
    const at = events.findIndex((e, k) => k >= from && e.status === seen.status);
    if (at === -1) {
      problems.push(
        `client ${seen.client} was told ${seen.status} (${seen.what}) for ${seen.jobId}, ` +
          `not in its history after event ${from}: ${events.map((e) => e.status).join(', ')}`,
      );
    } else position.set(key, at);
  }

  // Every change recorded after the create was answered 2xx to someone (a 4xx changes nothing).
  for (const [jobId, events] of byJob) {
    const answers = claims.observations.filter((o) => o.change && o.jobId === jobId).length;
    if (events.length - 1 > answers) {
      problems.push(
        `${jobId}: ${events.length - 1} changes recorded, ${answers} change requests answered 2xx`,
      );
    }
  }
  return problems;
}
