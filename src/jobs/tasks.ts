/**
 * The tasks of a job's steps: what a step runs as (the pods of a distributed step; the one process
 * of a `subprocess` step), each with its own status, reported by whoever runs the step. A task's
 * status is information about the step, not a move of it: the step's own status report is what the
 * lifecycle rules apply to and what moves the job, so a task may be given any status.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { JobNotFoundError, StepNotFoundError, TaskNotFoundError } from './errors.js';
import { newTaskId } from './ids.js';
import type { Actor } from './service.js';
import type { TaskUpdate } from './spec.js';
import { jobs, jobStepTasks, jobSteps, type JobStepRow, type JobStepTaskRow } from './tables.js';

/** A task as it is reported: a `PUT` replaces all of it. */
export type TaskReport = TaskUpdate;

/** The one task a `subprocess` step runs as: its process. */
export const SUBPROCESS_TASK = 'process';

export class JobTasks {
  constructor(private readonly db: Database) {}

  /** The step, found by its job's workspace and name; 404s name what is missing. */
  private async step(workspace: string, jobName: string, stepName: string): Promise<JobStepRow> {
    const rows = await this.db
      .select({ jobId: jobs.id, step: jobSteps })
      .from(jobs)
      .leftJoin(jobSteps, and(eq(jobSteps.jobId, jobs.id), eq(jobSteps.name, stepName)))
      .where(and(eq(jobs.workspace, workspace), eq(jobs.name, jobName)));
    const [row] = rows;
    if (!row) throw new JobNotFoundError(workspace, jobName);
    if (!row.step) throw new StepNotFoundError(workspace, jobName, stepName);
    return row.step;
  }

  /** A step's tasks, in the order they were first reported. */
  async list(workspace: string, jobName: string, stepName: string): Promise<JobStepTaskRow[]> {
    const step = await this.step(workspace, jobName, stepName);
    return (await this.ofSteps([step.id])).get(step.id) ?? [];
  }

  async get(workspace: string, jobName: string, stepName: string, name: string): Promise<JobStepTaskRow> {
    const step = await this.step(workspace, jobName, stepName);
    const [task] = await this.db
      .select()
      .from(jobStepTasks)
      .where(and(eq(jobStepTasks.stepId, step.id), eq(jobStepTasks.name, name)));
    if (!task) throw new TaskNotFoundError(jobName, stepName, name);
    return task;
  }

  /** Creates the task, or replaces what was reported of it before. */
  async put(
    workspace: string,
    jobName: string,
    stepName: string,
    name: string,
    report: TaskReport,
    actor: Actor = null,
  ): Promise<JobStepTaskRow> {
    const step = await this.step(workspace, jobName, stepName);
    return this.record(step.id, name, report, actor);
  }

  /** Upserts one task of a known step in one statement (the built-in executor's reports too). */
  async record(
    stepId: string,
    name: string,
    report: TaskReport,
    actor: Actor = null,
  ): Promise<JobStepTaskRow> {
    const now = new Date();
    const values = {
      status: report.status,
      statusDetails: report.status_details ?? {},
      errorDetails: report.error_details ?? null,
      errorStack: report.error_stack ?? null,
      updatedAt: now,
      updatedBy: actor,
    };
    const [task] = await this.db
      .insert(jobStepTasks)
      .values({ id: newTaskId(), stepId, name, createdAt: now, createdBy: actor, ...values })
      .onConflictDoUpdate({ target: [jobStepTasks.stepId, jobStepTasks.name], set: values })
      .returning();
    return task!;
  }

  /** The tasks of many steps in one statement, by step id. */
  async ofSteps(stepIds: readonly string[]): Promise<Map<string, JobStepTaskRow[]>> {
    const byStep = new Map<string, JobStepTaskRow[]>();
    if (stepIds.length === 0) return byStep;
    const rows = await this.db
      .select()
      .from(jobStepTasks)
      .where(inArray(jobStepTasks.stepId, [...stepIds]))
      .orderBy(asc(jobStepTasks.createdAt), asc(jobStepTasks.name));
    for (const row of rows) byStep.set(row.stepId, [...(byStep.get(row.stepId) ?? []), row]);
    return byStep;
  }
}
