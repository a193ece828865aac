/** The jobs domain's SQL, through Drizzle. Functions take the database or a transaction. */
import { and, asc, count, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { runStatement, type Database } from '../db/client.js';
import { passJobGate } from './job-gate.js';
import type { Workspaces } from './job-query.js';
import { JOB_WITH_STEP_COLUMNS, jobRecordFromRows, jobRecordOf } from './job-rows.js';
import { jobStatusEvents, jobSteps, jobs, type JobRow, type JobStepRow } from './tables.js';
import type { JobStatus } from './lifecycle.js';
import type { ExecutorProvider } from './spec.js';

export type JobRecord = JobRow & { steps: JobStepRow[] };

function inWorkspaces(workspaces: Workspaces): SQL | undefined {
  if (workspaces === undefined) return undefined;
  if (typeof workspaces === 'string') return eq(jobs.workspace, workspaces);
  return workspaces.length > 0 ? inArray(jobs.workspace, [...workspaces]) : sql`false`;
}

export async function findJob(
  db: Database,
  workspace: string,
  name: string,
  options: { forUpdate?: boolean } = {},
): Promise<JobRow | undefined> {
  const query = db
    .select()
    .from(jobs)
    .where(and(eq(jobs.workspace, workspace), eq(jobs.name, name)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

const JOB_WITH_STEPS = `select ${JOB_WITH_STEP_COLUMNS}
  from jobs join job_steps on job_steps.job_id = jobs.id
  where jobs.workspace = $1::text and jobs.name = $2::text
  order by job_steps.position`;

/** The job and its steps in one prepared statement (the most frequent read: every GET of a job). */
export async function findJobWithSteps(
  db: Database,
  workspace: string,
  name: string,
): Promise<JobRecord | undefined> {
  return jobRecordFromRows(await runStatement(db, JOB_WITH_STEPS, [workspace, name]));
}

/**
 * The job and its steps, locked for the rest of the transaction, in one statement, for the changes
 * that are a transaction of several statements (a forced cancel or delete). The step rows are locked
 * too, not only the job's: after waiting for a concurrent change, READ COMMITTED re-reads only
 * the rows it locks, so unlocked joined steps would be the stale ones from before the wait. The
 * job's gate comes first (job-gate.ts), so events get transaction ids in commit order.
 */
export async function lockJob(db: Database, workspace: string, name: string): Promise<JobRecord | undefined> {
  await passJobGate(db, workspace, name);
  const rows = await db
    .select({ job: jobs, step: jobSteps })
    .from(jobs)
    .innerJoin(jobSteps, eq(jobSteps.jobId, jobs.id))
    .where(and(eq(jobs.workspace, workspace), eq(jobs.name, name)))
    .orderBy(asc(jobSteps.position))
    .for('update');
  const [first] = rows;
  if (!first) return undefined;
  return jobRecordOf(
    first.job,
    rows.map((r) => r.step),
  );
}

/**
 * Jobs with their steps by id, in one statement whatever their number (every job has at least
 * one step); ids with no job are left out.
 */
export async function findJobsByIds(db: Database, ids: readonly string[]): Promise<JobRecord[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ job: jobs, step: jobSteps })
    .from(jobs)
    .innerJoin(jobSteps, eq(jobSteps.jobId, jobs.id))
    .where(inArray(jobs.id, [...ids]))
    .orderBy(asc(jobs.id), asc(jobSteps.position));
  const records = new Map<string, JobRecord>();
  for (const { job, step } of rows) {
    let record = records.get(job.id);
    if (!record) records.set(job.id, (record = jobRecordOf(job, [])));
    record.steps.push(step);
  }
  return [...records.values()];
}

export interface StatusChange {
  steps: { id: string; changes: Partial<JobStepRow> }[];
  job?: { id: string; changes: Partial<JobRow> };
  event?: {
    job: Pick<JobRow, 'id' | 'workspace' | 'name'>;
    previousStatus: JobStatus | null;
    status: JobStatus;
    occurredAt: Date;
    /** Who asked for the change; null for the system's own. */
    actor: string | null;
  };
}

/**
 * Writes a status change (step rows, the job row, its event) in one statement, chaining the
 * writes as data-modifying CTEs: one round trip instead of one per row.
 */
export async function saveStatusChange(db: Database, change: StatusChange): Promise<void> {
  const writes: SQL[] = [
    ...change.steps.map(({ id, changes }) =>
      db.update(jobSteps).set(changes).where(eq(jobSteps.id, id)).getSQL(),
    ),
    ...(change.job
      ? [db.update(jobs).set(change.job.changes).where(eq(jobs.id, change.job.id)).getSQL()]
      : []),
    ...(change.event ? [insertStatusEvent(db, change.event).getSQL()] : []),
  ];
  if (writes.length === 0) return;
  const last = writes.pop()!;
  if (writes.length === 0) {
    await db.execute(last);
    return;
  }
  const ctes = writes.map((write, i) => sql`${sql.raw(`write_${i}`)} as (${write})`);
  await db.execute(sql`with ${sql.join(ctes, sql`, `)} ${last}`);
}

/** A job's steps, in step order. */
export function findStepsOfJob(db: Database, jobId: string): Promise<JobStepRow[]> {
  return db.select().from(jobSteps).where(eq(jobSteps.jobId, jobId)).orderBy(asc(jobSteps.position));
}

/** Steps by id, in one statement; ids with no step are left out. */
export async function findStepsByIds(db: Database, ids: readonly string[]): Promise<JobStepRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(jobSteps)
    .where(inArray(jobSteps.id, [...ids]));
}

/**
 * A new job, its steps and its first status event in one prepared statement (one round trip, its
 * own transaction); nothing is written when the name is taken. Returns false then.
 */
const CREATE_JOB = `with new_job as (
  insert into jobs (id, workspace, name, attempt_id, project, description, source, spec, status,
    status_details, error_details, ownership, custom_fields, created_at, updated_at)
  values ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::json, $9::text,
    $10::json, $11::json, $12::json, $13::json, $14::timestamptz, $15::timestamptz)
  on conflict (workspace, name) do nothing
  returning id, workspace, name, status
),
new_steps as (
  insert into job_steps (id, job_id, position, name, executor, environment, config, lifecycle, status,
    status_details, error_details, created_at, updated_at)
  select s.id, new_job.id, s.position, s.name, s.executor, s.environment, s.config, s.lifecycle, s.status,
    s.status_details, s.error_details, s.created_at, s.updated_at
  from new_job, json_to_recordset($16::json) as s(id text, position int, name text, executor json,
    environment json, config json, lifecycle json, status text, status_details json, error_details json,
    created_at timestamptz, updated_at timestamptz)
),
event as (
  insert into job_status_events (job_id, workspace, job_name, status, previous_status, occurred_at, actor)
  select id, workspace, name, status, null, $14::timestamptz, $17::text from new_job
)
select count(*)::int as created from new_job`;

const json = (value: unknown) => (value === null ? null : JSON.stringify(value));

/** Creates a job with its steps and its `created` event, unless its name is taken (false then). */
export async function createJob(
  db: Database,
  job: JobRow,
  steps: JobStepRow[],
  actor: string | null,
): Promise<boolean> {
  const [row] = await runStatement(db, CREATE_JOB, [
    job.id,
    job.workspace,
    job.name,
    job.attemptId,
    job.project,
    job.description,
    job.source,
    json(job.spec),
    job.status,
    json(job.statusDetails),
    json(job.errorDetails),
    json(job.ownership),
    json(job.customFields),
    job.createdAt.toISOString(),
    job.updatedAt.toISOString(),
    JSON.stringify(
      steps.map((step) => ({
        id: step.id,
        position: step.position,
        name: step.name,
        executor: step.executor,
        environment: step.environment,
        config: step.config,
        lifecycle: step.lifecycle,
        status: step.status,
        status_details: step.statusDetails,
        error_details: step.errorDetails,
        created_at: step.createdAt.toISOString(),
        updated_at: step.updatedAt.toISOString(),
      })),
    ),
    actor,
  ]);
  return row?.created === 1;
}

export async function deleteJob(db: Database, id: string): Promise<void> {
  await db.delete(jobs).where(eq(jobs.id, id));
}

type StatusEventValues = NonNullable<StatusChange['event']>;

const insertStatusEvent = (db: Database, event: StatusEventValues) =>
  db.insert(jobStatusEvents).values({
    jobId: event.job.id,
    workspace: event.job.workspace,
    jobName: event.job.name,
    status: event.status,
    previousStatus: event.previousStatus,
    occurredAt: event.occurredAt,
    actor: event.actor,
  });

export interface StepListQuery {
  /** Undefined means every workspace (the API's `-`); a list, any of those. */
  workspace?: Workspaces;
  /** Undefined means every job (the API's `-`). */
  jobName?: string;
  status?: JobStatus[];
  /** Only steps run by this kind of executor. */
  provider?: ExecutorProvider;
  /** Only each job's current step: the ones whose earlier steps have all completed. */
  current?: boolean;
  /** Only steps of these jobs, each given by name or id. */
  jobs?: string[];
  /** Only steps of jobs of these sources. */
  sources?: string[];
  /** By the step's created_at (the default, which is its job's) or updated_at, then job and step order. */
  sort?: { field: 'created_at' | 'updated_at'; descending: boolean };
  limit: number;
  offset: number;
}

export type StepWithJob = { step: JobStepRow; job: { workspace: string; name: string; attemptId: string } };

/** A step query's conditions, and whether any of them reads the step's job (a join is needed then). */
function stepConditions(query: StepListQuery): { where: SQL | undefined; readsJob: boolean } {
  const onJob = and(
    inWorkspaces(query.workspace),
    query.jobName !== undefined ? eq(jobs.name, query.jobName) : undefined,
    query.jobs ? or(inArray(jobs.name, query.jobs), inArray(jobs.id, query.jobs)) : undefined,
    query.sources ? inArray(jobs.source, query.sources) : undefined,
  );
  const where = and(
    onJob,
    query.status ? inArray(jobSteps.status, query.status) : undefined,
    query.provider !== undefined ? sql`${jobSteps.executor}->>'provider' = ${query.provider}` : undefined,
    query.current
      ? sql`not exists (select 1 from ${jobSteps} as earlier where earlier.job_id = ${jobSteps.jobId}
          and earlier.position < ${jobSteps.position} and earlier.status <> 'completed')`
      : undefined,
  );
  return { where, readsJob: onJob !== undefined };
}

/**
 * A page of steps across jobs, without the total: for a reader that pages until a short page.
 * The query itself (await it for the rows; its plan can be looked at).
 */
export function pageSteps(db: Database, query: StepListQuery, { where, readsJob } = stepConditions(query)) {
  const direction = query.sort?.descending ? desc : asc;
  const withJobs = db
    .select({
      step: jobSteps,
      job: { workspace: jobs.workspace, name: jobs.name, attemptId: jobs.attemptId },
    })
    .from(jobSteps)
    .innerJoin(jobs, eq(jobSteps.jobId, jobs.id));
  if (readsJob) {
    const first = query.sort?.field === 'updated_at' ? jobSteps.updatedAt : jobs.createdAt;
    return withJobs
      .where(where)
      .orderBy(direction(first), direction(jobs.id), asc(jobSteps.position))
      .limit(query.limit)
      .offset(query.offset);
  }
  // Conditions on the step alone (a controller's poll across workspaces): the page's steps are
  // chosen first, by their own columns (a step's created_at is its job's), and only they are
  // joined to their jobs. Joined first, every matching step met its job before the limit.
  const first = query.sort?.field === 'updated_at' ? jobSteps.updatedAt : jobSteps.createdAt;
  const order = [direction(first), direction(jobSteps.jobId), asc(jobSteps.position)];
  const page = db
    .select({ id: jobSteps.id })
    .from(jobSteps)
    .where(where)
    .orderBy(...order)
    .limit(query.limit)
    .offset(query.offset);
  return withJobs.where(inArray(jobSteps.id, page)).orderBy(...order);
}

/** Steps across jobs, for controllers looking for work; oldest job first, then step order. */
export async function listSteps(
  db: Database,
  query: StepListQuery,
): Promise<{ rows: StepWithJob[]; total: number }> {
  const conditions = stepConditions(query);
  // Every step has its job, so a count that needs nothing of the job skips the join: a controller's
  // poll across workspaces counted 144,000 waiting steps in 250 ms joined, 13-29 ms not.
  const counting = db.select({ total: count() }).from(jobSteps);
  const [rows, [counted]] = await Promise.all([
    pageSteps(db, query, conditions),
    (conditions.readsJob ? counting.innerJoin(jobs, eq(jobSteps.jobId, jobs.id)) : counting).where(
      conditions.where,
    ),
  ]);
  return { rows, total: counted?.total ?? 0 };
}
