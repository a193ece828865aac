/** The jobs domain's tables: jobs, their steps, their status history and their output. */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  customType,
  index,
  integer,
  json,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { JobStatus } from './lifecycle.js';
import type { Executor, EnvironmentVariable, StepLifecycle } from './spec.js';

/** PostgreSQL's 64-bit transaction id; read back as a decimal string so it never loses precision. */
const xid8 = customType<{ data: string; driverData: string }>({
  dataType: () => 'xid8',
});

type JsonObject = Record<string, unknown>;
// `json`, not `jsonb`: user documents are echoed back with their keys in the order they were sent.

export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    workspace: text('workspace').notNull(),
    name: text('name').notNull(),
    attemptId: text('attempt_id').notNull(),
    project: text('project'),
    description: text('description'),
    source: text('source').notNull(),
    spec: json('spec').$type<JsonObject>().notNull(),
    status: text('status').$type<JobStatus>().notNull(),
    statusDetails: json('status_details').$type<JsonObject>().notNull().default({}),
    errorDetails: json('error_details').$type<JsonObject>(),
    ownership: json('ownership').$type<JsonObject>().notNull().default({}),
    customFields: json('custom_fields').$type<JsonObject>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('jobs_workspace_name_key').on(t.workspace, t.name),
    index('jobs_workspace_created_at_idx').on(t.workspace, t.createdAt, t.id),
    // The listing of every workspace (`workspaces/-/jobs`), newest first: without it, each page
    // sorted the whole table. (created_at never changes, so a job's updates stay HOT.)
    index('jobs_created_at_idx').on(t.createdAt, t.id),
  ],
);

/**
 * How many jobs each workspace holds, kept by a trigger on `jobs` (migration 0006) so that an
 * unfiltered list's total is a sum of a few rows instead of a count of every job. A workspace's
 * count is spread over stripes (chosen by the writing connection) so that concurrent creates in
 * one workspace do not queue on one row's lock; its total is the sum of its stripes.
 */
export const jobCounts = pgTable(
  'job_counts',
  {
    workspace: text('workspace').notNull(),
    stripe: integer('stripe').notNull(),
    jobs: bigint('jobs', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspace, t.stripe] })],
);

/** One row per step of a job's platform_spec: its spec and its runtime status. */
export const jobSteps = pgTable(
  'job_steps',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    executor: json('executor').$type<Executor>().notNull(),
    environment: json('environment').$type<EnvironmentVariable[]>(),
    config: json('config').$type<JsonObject>(),
    lifecycle: json('lifecycle').$type<StepLifecycle>(),
    status: text('status').$type<JobStatus>().notNull(),
    statusDetails: json('status_details').$type<JsonObject>().notNull().default({}),
    errorDetails: json('error_details').$type<JsonObject>(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('job_steps_job_position_key').on(t.jobId, t.position),
    uniqueIndex('job_steps_job_name_key').on(t.jobId, t.name),
    // Executors and controllers look for steps by status across all jobs.
    index('job_steps_status_idx').on(t.status),
    // The built-in executor looks for its own steps on every job created: among many steps for
    // other executors, it reads only these (migration 0007 adds statistics on the provider so the
    // planner knows how few they are).
    index('job_steps_subprocess_status_idx')
      .on(t.status)
      .where(sql`(${t.executor}->>'provider') = 'subprocess'`),
  ],
);

/**
 * Append-only history of job status changes, and the source every subscriber reads from.
 * `xid` is the writing transaction's id: readers only pass events whose transaction is older
 * than every transaction still running, so an event that commits late can never be skipped.
 * No foreign key to jobs: the history of a deleted job stays readable for replaying watchers.
 */
export const jobStatusEvents = pgTable(
  'job_status_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    xid: xid8('xid')
      .notNull()
      .default(sql`pg_current_xact_id()`),
    jobId: text('job_id').notNull(),
    workspace: text('workspace').notNull(),
    jobName: text('job_name').notNull(),
    status: text('status').$type<JobStatus>().notNull(),
    previousStatus: text('previous_status').$type<JobStatus>(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** The principal whose request caused the change; null for the system's own changes and with auth off. */
    actor: text('actor'),
  },
  (t) => [
    index('job_status_events_xid_id_idx').on(t.xid, t.id),
    index('job_status_events_job_idx').on(t.jobId, t.xid, t.id),
    index('job_status_events_workspace_idx').on(t.workspace, t.xid, t.id),
  ],
);

/**
 * What the steps' processes printed, one row per line. `id` orders a job's lines: one executor
 * writes a step's lines in order, and a step's lines are stored before the next step can start.
 */
export const jobLogs = pgTable(
  'job_logs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    step: text('step').notNull(),
    /** The line's number within its step's output, from 0. */
    sequence: integer('sequence').notNull(),
    stream: text('stream').$type<'stdout' | 'stderr'>().notNull(),
    message: text('message').notNull(),
    timestamp: timestamp('timestamp', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('job_logs_job_id_idx').on(t.jobId, t.id)],
);

export type JobRow = typeof jobs.$inferSelect;
export type JobStepRow = typeof jobSteps.$inferSelect;
export type JobStatusEventRow = typeof jobStatusEvents.$inferSelect;
export type JobLogRow = typeof jobLogs.$inferSelect;
export type NewJobLogRow = typeof jobLogs.$inferInsert;

/**
 * The tasks of a step: the units it runs as (a distributed step's pods, say), each with a status
 * of its own that a controller reports. The step's status, not its tasks', moves the job.
 */
export const jobStepTasks = pgTable(
  'job_step_tasks',
  {
    id: text('id').primaryKey(),
    stepId: text('step_id')
      .notNull()
      .references(() => jobSteps.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    status: text('status').$type<JobStatus>().notNull(),
    statusDetails: json('status_details').$type<JsonObject>().notNull().default({}),
    errorDetails: json('error_details').$type<JsonObject>(),
    errorStack: text('error_stack'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Who created and last changed it; null for the gateway's own tasks and with access control off. */
    createdBy: text('created_by'),
    updatedBy: text('updated_by'),
  },
  (t) => [uniqueIndex('job_step_tasks_step_name_key').on(t.stepId, t.name)],
);

/**
 * A job's result artifacts. `file` is the name of the stored file under the job's results
 * directory (null for a result that only points elsewhere, at `artifact_url`).
 */
export const jobResults = pgTable(
  'job_results',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    artifactUrl: text('artifact_url').notNull(),
    artifactStorageType: text('artifact_storage_type').$type<'fileset'>().notNull(),
    file: text('file'),
    size: bigint('size', { mode: 'number' }),
    contentType: text('content_type'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.name] })],
);

export type JobStepTaskRow = typeof jobStepTasks.$inferSelect;
export type JobResultRow = typeof jobResults.$inferSelect;
