/**
 * The jobs service: every create, read and status change of a job, whichever door it came through.
 * Each status change is one transaction that locks the job row, applies the lifecycle rules,
 * writes the steps and the job, and appends a status event.
 */
import type { Database } from '../db/client.js';
import type { JobLogRow, JobRow, JobStepRow, NewJobLogRow } from './tables.js';
import {
  InvalidJobSpecError,
  JobAlreadyExistsError,
  JobNotFoundError,
  JobStateConflictError,
  PauseRefusedError,
  StepNotFoundError,
  StepTransitionError,
} from './errors.js';
import { generateJobName, newAttemptId, newJobId, newStepId } from './ids.js';
import {
  actionTable,
  currentStepIndex,
  decideStepUpdate,
  deriveJobStatus,
  forcedCancelStatuses,
  isTerminal,
  pauseRefusal,
  stepStatusesAfter,
  type JobStatus,
} from './lifecycle.js';
import { runAction, type StatusAction } from './action-statement.js';
import { runStepReport, stepReportAgrees } from './step-report-statement.js';
import * as logs from './logs.js';
import type { ExecutionProfile } from './profiles.js';
import * as repo from './repository.js';
import { mergeStatusDetails } from './status-details.js';
import { SUBPROCESS_TASK } from './tasks.js';
import type { JobRecord } from './repository.js';
import * as list from './job-list.js';
import type { JobListQuery, JobPageQuery } from './job-list.js';
import type { Workspaces } from './job-query.js';
import type { CreateJobRequest, StepStatusUpdate } from './spec.js';
import { JobVersions } from './job-versions.js';
import { jobRecordOf } from './job-rows.js';
import { PageStarts } from './page-starts.js';

/**
 * The principal on whose behalf a change is made, recorded on its status event; null (or absent)
 * for the system's own changes (the executor, the orphan sweep) and when access control is off.
 */
export type Actor = string | null;

export class JobsService {
  constructor(
    private readonly db: Database,
    readonly profiles: readonly ExecutionProfile[],
    /** Called after a transaction that appended status events has committed. */
    private readonly onStatusCommitted: () => void = () => {},
    /** Called with the jobs whose log lines were just stored. */
    private readonly onLogsAppended: (jobIds: string[]) => void = () => {},
  ) {}

  /** The jobs this process has read for lists, by row version. */
  private readonly versions = new JobVersions();
  private readonly pageStarts = new PageStarts();

  /** With an actor, the job's `ownership.created_by` names it, whatever the request said. */
  async create(workspace: string, request: CreateJobRequest, actor: Actor = null): Promise<JobRecord> {
    this.checkProfiles(request);
    const now = new Date();
    const job: JobRow = {
      id: newJobId(),
      workspace,
      name: request.name ?? generateJobName(request.source),
      attemptId: newAttemptId(),
      project: request.project ?? null,
      description: request.description ?? null,
      source: request.source,
      spec: request.spec,
      status: 'created',
      statusDetails: {},
      errorDetails: null,
      ownership: actor ? { ...request.ownership, created_by: actor } : (request.ownership ?? {}),
      customFields: request.custom_fields ?? {},
      createdAt: now,
      updatedAt: now,
    };
    const steps: JobStepRow[] = request.platform_spec.steps.map((step, position) => ({
      id: newStepId(),
      jobId: job.id,
      position,
      name: step.name,
      executor: step.executor,
      environment: step.environment ?? null,
      config: step.config ?? null,
      lifecycle: step.lifecycle ?? null,
      status: 'created',
      statusDetails: {},
      errorDetails: null,
      createdAt: now,
      updatedAt: now,
    }));
    // The job, its steps and its `created` event, in one statement.
    if (!(await repo.createJob(this.db, job, steps, actor))) {
      throw new JobAlreadyExistsError(workspace, job.name);
    }
    this.onStatusCommitted();
    return jobRecordOf(job, steps);
  }

  async get(workspace: string, name: string): Promise<JobRecord> {
    const record = await repo.findJobWithSteps(this.db, workspace, name);
    if (!record) throw new JobNotFoundError(workspace, name);
    return record;
  }

  /** Jobs with their steps by id, in one round trip however many; ids with no job are left out. */
  getMany(ids: readonly string[]): Promise<JobRecord[]> {
    return repo.findJobsByIds(this.db, ids);
  }

  /** Steps by id, in one round trip however many; ids with no step are left out. */
  getSteps(ids: readonly string[]): Promise<JobStepRow[]> {
    return repo.findStepsByIds(this.db, ids);
  }

  async list(workspaces: Workspaces, query: JobListQuery): Promise<{ jobs: JobRecord[]; total: number }> {
    return list.listJobs(this.db, this.versions, this.pageStarts, workspaces, query);
  }

  /** A keyset page; the total is counted only when asked for (`count`). */
  async page(workspace: string, query: JobPageQuery) {
    const { jobs, hasMore } = await list.pageJobs(this.db, this.versions, workspace, query);
    return { jobs, hasMore, count: () => list.countJobs(this.db, workspace, query.filter) };
  }

  listSteps(query: repo.StepListQuery) {
    return repo.listSteps(this.db, query);
  }

  /** A page of steps without their total, for a reader that pages until a short page. */
  pageSteps(query: repo.StepListQuery) {
    return repo.pageSteps(this.db, query);
  }

  /** Stores lines that steps' processes printed (the built-in executor's), in one statement. */
  async appendLogs(lines: NewJobLogRow[]): Promise<void> {
    await logs.appendLogs(this.db, lines);
    if (lines.length > 0) this.onLogsAppended(lines.map((line) => line.jobId));
  }

  /** A window of what a job's steps printed, oldest first. */
  async pageLogs(workspace: string, name: string, query: logs.JobLogQuery): Promise<logs.JobLogPage> {
    const job = await repo.findJob(this.db, workspace, name);
    if (!job) throw new JobNotFoundError(workspace, name);
    const elsewhere =
      (query.attemptId !== undefined && query.attemptId !== job.attemptId) ||
      (query.task !== undefined && query.task !== SUBPROCESS_TASK);
    if (elsewhere) return { rows: [], total: 0, hasBefore: false, hasAfter: false };
    return this.pageLogsOf(job.id, query);
  }

  /** The same window, of the job with this id (none: an empty page). */
  pageLogsOf(jobId: string, query: logs.JobLogQuery): Promise<logs.JobLogPage> {
    return logs.pageLogs(this.db, jobId, query);
  }

  /** The next lines of a job's log after line `after`, for a live follower. */
  logsAfter(jobId: string, query: { step?: string; after: number; limit: number }): Promise<JobLogRow[]> {
    return logs.logsAfter(this.db, jobId, query);
  }

  pause(workspace: string, name: string, actor: Actor = null) {
    return this.applyAction('pause', workspace, name, actor);
  }

  resume(workspace: string, name: string, actor: Actor = null) {
    return this.applyAction('resume', workspace, name, actor);
  }

  cancel(workspace: string, name: string, actor: Actor = null) {
    return this.applyAction('cancel', workspace, name, actor);
  }

  /** Merges a controller's progress into the job's status details (see status-details.ts). */
  async updateStatusDetails(workspace: string, name: string, details: Record<string, unknown>) {
    const job = await mergeStatusDetails(this.db, workspace, name, details);
    if (!job) throw new JobNotFoundError(workspace, name);
    return jobRecordOf(job, await repo.findStepsOfJob(this.db, job.id));
  }

  /**
   * Cancels a job at once, whatever its steps' runners are doing (see `forcedCancelStatuses`); a
   * finished job is left as it is.
   */
  async forceCancel(workspace: string, name: string, actor: Actor = null): Promise<JobRecord> {
    const { record, changed } = await this.db.transaction(async (tx) => {
      const record = await repo.lockJob(tx, workspace, name);
      if (!record) throw new JobNotFoundError(workspace, name);
      return { record, changed: await this.finishByForce(tx, record, actor) };
    });
    if (changed) this.onStatusCommitted();
    return record;
  }

  /** Moves a locked job's unfinished steps to `cancelled` and records it; false if it had finished. */
  private async finishByForce(tx: Database, record: JobRecord, actor: Actor): Promise<boolean> {
    if (isTerminal(record.status)) return false;
    const statuses = forcedCancelStatuses(record.steps.map((s) => s.status));
    const to = deriveJobStatus(statuses);
    const now = new Date();
    const moved = record.steps.filter((step, i) => step.status !== statuses[i]);
    await repo.saveStatusChange(tx, {
      steps: moved.map((step) => ({ id: step.id, changes: { status: 'cancelled', updatedAt: now } })),
      job: { id: record.id, changes: { status: to, updatedAt: now } },
      event: { job: record, previousStatus: record.status, status: to, occurredAt: now, actor },
    });
    for (const step of moved) Object.assign(step, { status: 'cancelled', updatedAt: now });
    Object.assign(record, { status: to, updatedAt: now });
    return true;
  }

  /**
   * Deletes a job in a terminal status; its status history stays for replaying watchers. With
   * `force`, a job in any status: an unfinished one is force-cancelled first, in the same
   * transaction, so its history ends with that cancel and who forced it.
   */
  async delete(
    workspace: string,
    name: string,
    { force = false, actor = null }: { force?: boolean; actor?: Actor } = {},
  ): Promise<void> {
    const { jobId, changed } = await this.db.transaction(async (tx) => {
      if (force) {
        const record = await repo.lockJob(tx, workspace, name);
        if (!record) throw new JobNotFoundError(workspace, name);
        const changed = await this.finishByForce(tx, record, actor);
        await repo.deleteJob(tx, record.id);
        return { jobId: record.id, changed };
      }
      const job = await repo.findJob(tx, workspace, name, { forUpdate: true });
      if (!job) throw new JobNotFoundError(workspace, name);
      const outcome = actionTable.delete[job.status];
      if (outcome.kind === 'conflict') {
        throw new JobStateConflictError('delete', name, job.status, outcome.reason);
      }
      await repo.deleteJob(tx, job.id);
      return { jobId: job.id, changed: false };
    });
    if (changed) this.onStatusCommitted();
    for (const listener of this.deletedListeners) listener(jobId);
  }

  private readonly deletedListeners = new Set<(jobId: string) => void>();

  /** Calls `listener` with the id of every job this process deletes, after the delete committed. */
  onDeleted(listener: (jobId: string) => void): () => void {
    this.deletedListeners.add(listener);
    return () => this.deletedListeners.delete(listener);
  }

  /**
   * What an executor reports about one step, decided by the lifecycle's step-update rules under
   * the job's lock. With `expected`, the update applies only while the step is in one of those
   * statuses: of several executors claiming one step, exactly one wins, and the others get a
   * StepTransitionError.
   *
   * One statement decides and writes the report (step-report-statement.ts); `decideStepUpdate`
   * then says, from the job as it was locked, what it must have decided: a disagreement is a bug,
   * not a user error, and is reported as one.
   */
  async updateStepStatus(
    workspace: string,
    jobName: string,
    stepName: string,
    update: StepStatusUpdate,
    { expected, actor = null }: { expected?: readonly JobStatus[]; actor?: Actor } = {},
  ): Promise<JobStepRow & { attemptId: string }> {
    const result = await runStepReport(
      this.db,
      { workspace, name: jobName },
      stepName,
      update,
      expected,
      actor,
    );
    if (!result) throw new JobNotFoundError(workspace, jobName);
    const { locked: job } = result;
    const index = job.steps.findIndex((s) => s.name === stepName);
    const step = job.steps[index];
    if (!step) throw new StepNotFoundError(workspace, jobName, stepName);
    const outcome = decideStepUpdate(job.status, job.steps, index, update, expected);
    if (!stepReportAgrees(outcome, result)) {
      throw new Error(`a step report on a ${job.status} job: the step statement and the lifecycle disagree`);
    }
    const answer = { ...step, attemptId: job.attemptId };
    if (outcome.kind === 'refused') {
      throw new StepTransitionError(jobName, stepName, step.status, update.status, outcome.reason);
    }
    if (outcome.kind === 'unchanged') return answer;
    if (outcome.job) this.onStatusCommitted();
    // The outcome names the reported step first.
    return { ...answer, ...outcome.steps[0]!.changes, updatedAt: result.changedAt };
  }

  /**
   * One statement decides and writes the change (action-statement.ts); the lifecycle's functions
   * then say what it decided, from the job as it was locked: the error to answer, or the job after
   * the change. Both come from the same rules, so they agree; a disagreement is a bug, not a user
   * error, and is reported as one.
   */
  private async applyAction(
    action: StatusAction,
    workspace: string,
    name: string,
    actor: Actor,
  ): Promise<JobRecord> {
    const result = await runAction(this.db, action, { workspace, name }, actor);
    if (!result) throw new JobNotFoundError(workspace, name);
    const { locked: job, applied, changedAt: now } = result;
    const outcome = actionTable[action][job.status];
    const statuses =
      outcome.kind === 'transition'
        ? stepStatusesAfter(
            action,
            outcome.to,
            job.steps.map((s) => s.status),
          )
        : undefined;
    const refusal =
      action === 'pause' && statuses ? pauseRefusal(job.steps[currentStepIndex(statuses)]!) : undefined;
    const expected = outcome.kind === 'transition' && !refusal;
    if (applied !== expected || (statuses && !sameStatuses(statuses, result.stepStatuses))) {
      throw new Error(`${action} of a ${job.status} job: the status statement and the lifecycle disagree`);
    }
    if (outcome.kind === 'conflict') {
      throw new JobStateConflictError(action, name, job.status, outcome.reason);
    }
    if (refusal) throw new PauseRefusedError(name, job.status, refusal);
    if (outcome.kind !== 'transition' || !statuses) return job;
    // The table and the step rules must agree; a mismatch is a bug, not a user error.
    const derived = deriveJobStatus(statuses);
    if (derived !== outcome.to)
      throw new Error(`${action} moved steps to ${derived}, expected ${outcome.to}`);

    this.onStatusCommitted();
    return {
      ...job,
      status: outcome.to,
      updatedAt: now,
      steps: job.steps.map((step, i) =>
        step.status === statuses[i] ? step : { ...step, status: statuses[i]!, updatedAt: now },
      ),
    };
  }

  private checkProfiles(request: CreateJobRequest): void {
    request.platform_spec.steps.forEach((step, index) => {
      const { provider, profile } = step.executor;
      if (!this.profiles.some((p) => p.provider === provider && p.profile === profile)) {
        throw new InvalidJobSpecError(
          `Step '${step.name}': no execution profile '${profile}' is configured for provider '${provider}'.`,
          ['platform_spec', 'steps', index, 'executor', 'profile'],
        );
      }
    });
  }
}

/** Whether two lists of step statuses are equal (util.isDeepStrictEqual cost about 9 µs of every pause). */
const sameStatuses = (a: readonly JobStatus[], b: readonly JobStatus[]) =>
  a.length === b.length && a.every((status, i) => status === b[i]);
