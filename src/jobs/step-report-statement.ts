/**
 * An executor's report about one step as ONE prepared statement: pass the job's gate, lock the job
 * and its steps, decide by the step-update rules, write the steps, the job and the status event, and
 * return the job as it was locked with what was decided. It replaces a transaction of five round
 * trips (begin, gate, lock, write, commit), each costing the gateway a query to build and send.
 *
 * The rules are `decideStepUpdate`'s (lifecycle.ts) in SQL: the step transition table and the
 * statuses a job takes over from its steps are generated from the lifecycle's data; the order of
 * steps, the merge of details and what a completed or cancelled step does to the later ones are
 * written out below, each next to the rule it mirrors. test/lifecycle.step-statement.test.ts walks
 * every step status × reported status over many arrangements of steps through both and compares
 * what was written, and the service checks their agreement on every report.
 */
import { isDeepStrictEqual } from 'node:util';
import { runStatement, type Database } from '../db/client.js';
import {
  CHANGED_AT,
  LOCKED_JOB_CTES,
  lockedChangeOf,
  statusLiteral,
  type LockedChange,
} from './status-statement.js';
import {
  JOB_STATUSES,
  JOB_STATUSES_TAKEN_FROM_STEPS,
  stepTransitions,
  type JobStatus,
  type StepUpdateOutcome,
} from './lifecycle.js';
import type { StepStatusUpdate } from './spec.js';

/** `(from, to) in (…)`: the step transition table's legal moves. */
const LEGAL_MOVE = `(verdict_input.status, $4::text) in (${JOB_STATUSES.flatMap((from) =>
  stepTransitions[from].map((to) => `(${statusLiteral(from)}, ${statusLiteral(to)})`),
).join(', ')})`;

/**
 * The job's status from its steps' new statuses (`deriveJobStatus`): a step in a status the job
 * takes over wins, in that order, then any active step; otherwise the first step not completed, or
 * completed when all are.
 */
const DERIVED_JOB_STATUS = `case ${[...JOB_STATUSES_TAKEN_FROM_STEPS, 'active' as const]
  .map((status) => `when bool_or(new_status = ${statusLiteral(status)}) then ${statusLiteral(status)}`)
  .join(' ')}
    else coalesce((array_agg(new_status order by position) filter (where new_status <> 'completed'))[1], 'completed') end`;

/**
 * $1 workspace, $2 job name, $3 step name, $4 reported status, $5 reported status details (a JSON
 * object), $6 reported error details (JSON, null when not reported), $7 the statuses the step must
 * be in (a JSON array, null for any), $8 the actor.
 *
 * One row per step in step order: the job and step as locked (before the change), the step's status
 * after it (`step.newStatus`), what was decided (`outcome`: a refusal's rule, `unchanged` or
 * `changed`; null when the job has no such step) and the job's new status when it changed
 * (`job.newStatus`). No rows: no such job. A data-modifying CTE's changes are invisible to the rest
 * of its statement, hence the computed new statuses.
 */
export const STEP_REPORT_STATEMENT = `with ${LOCKED_JOB_CTES},
verdict_input as (
  select "step.id" as id, "step.position" as position, "step.status" as status,
    "step.statusDetails"::jsonb as status_details, "step.errorDetails"::jsonb as error_details
  from locked where "step.name" = $3::text
),
verdict as (
  select verdict_input.*,
    case
      when $7::jsonb is not null and not $7::jsonb ? verdict_input.status then 'no-longer-expected'
      when verdict_input.status <> $4::text and not ${LEGAL_MOVE} then 'transition'
      -- Steps run in order: a later step may only be cancelled before the ones ahead complete.
      when verdict_input.status <> $4::text and $4::text <> 'cancelled' and exists (
        select 1 from locked
        where "step.position" < verdict_input.position and "step.status" <> 'completed'
      ) then 'order'
      -- Same status, and the merged details are the ones already there: nothing to write.
      when verdict_input.status = $4::text
        and verdict_input.status_details || $5::jsonb = verdict_input.status_details
        and ($6::jsonb is null or $6::jsonb = verdict_input.error_details) then 'unchanged'
      else 'changed'
    end as outcome
  from verdict_input
),
next as (
  select locked."step.id" as id, locked."step.position" as position, locked."step.status" as status,
    case
      when verdict.outcome is distinct from 'changed' then locked."step.status"
      when locked."step.id" = verdict.id then $4::text
      -- A completed step starts the next one, if it was waiting to.
      when $4::text = 'completed' and locked."step.status" = 'created' and locked."step.position" =
        (select min("step.position") from locked where "step.position" > verdict.position) then 'pending'
      -- A cancelled step ends the job: the later steps that never started are cancelled with it.
      when $4::text = 'cancelled' and locked."step.status" = 'created'
        and locked."step.position" > verdict.position then 'cancelled'
      else locked."step.status"
    end as new_status
  from locked left join verdict on true
),
job_change as (
  select job.*, derived.to_status
  from (select "job.id" as id, "job.workspace" as workspace, "job.name" as name, "job.status" as status
        from locked limit 1) job,
    (select ${DERIVED_JOB_STATUS} as to_status from next) derived,
    verdict
  where verdict.outcome = 'changed' and derived.to_status <> job.status
),
reported_write as (
  update job_steps set status = $4::text,
    status_details = (verdict.status_details || $5::jsonb)::json,
    error_details = coalesce($6::jsonb::json, job_steps.error_details),
    updated_at = ${CHANGED_AT}
  from verdict where verdict.outcome = 'changed' and job_steps.id = verdict.id
),
step_writes as (
  update job_steps set status = next.new_status, updated_at = ${CHANGED_AT}
  from next, verdict
  where verdict.outcome = 'changed' and job_steps.id = next.id and next.id <> verdict.id
    and next.new_status <> next.status
),
job_write as (
  -- A job that fails carries the failing step's error details.
  update jobs set status = job_change.to_status, updated_at = ${CHANGED_AT},
    error_details = case when job_change.to_status = 'error'
      then coalesce($6::jsonb, verdict.error_details, '{}'::jsonb)::json else jobs.error_details end
  from job_change, verdict where jobs.id = job_change.id
),
event as (
  insert into job_status_events (job_id, workspace, job_name, status, previous_status, occurred_at, actor)
  select id, workspace, name, to_status, status, ${CHANGED_AT}, $8::text from job_change
)
select locked.*, next.new_status as "step.newStatus",
  (select outcome from verdict) as outcome, (select to_status from job_change) as "job.newStatus",
  ${CHANGED_AT} as "changedAt"
from locked join next on next.id = locked."step.id"
order by locked."step.position"`;

export interface StepReportResult extends LockedChange {
  /** What the statement decided: a refusal's rule, `unchanged` or `changed`; null for no such step. */
  outcome: string | null;
  /** The job's new status, when the report changed it (and wrote its event). */
  jobStatus: JobStatus | null;
}

/** Applies `update` to the step named `stepName`; undefined when there is no such job. */
export async function runStepReport(
  db: Database,
  job: { workspace: string; name: string },
  stepName: string,
  update: StepStatusUpdate,
  expected: readonly JobStatus[] | undefined,
  actor: string | null,
): Promise<StepReportResult | undefined> {
  const rows = await runStatement(db, STEP_REPORT_STATEMENT, [
    job.workspace,
    job.name,
    stepName,
    update.status,
    JSON.stringify(update.status_details ?? {}),
    update.error_details === undefined ? null : JSON.stringify(update.error_details),
    expected ? JSON.stringify(expected) : null,
    actor,
  ]);
  const change = lockedChangeOf(rows);
  return (
    change && {
      ...change,
      outcome: rows[0]!.outcome as string | null,
      jobStatus: (rows[0]!['job.newStatus'] as JobStatus | null) ?? null,
    }
  );
}

/** Whether the statement decided and wrote what `decideStepUpdate` decides for the job as it was locked. */
export function stepReportAgrees(outcome: StepUpdateOutcome, result: StepReportResult): boolean {
  if (outcome.kind !== 'changed') {
    return result.outcome === (outcome.kind === 'refused' ? outcome.rule : outcome.kind);
  }
  const statuses = result.locked.steps.map((step) => step.status);
  for (const { index, changes } of outcome.steps) statuses[index] = changes.status;
  return (
    result.outcome === 'changed' &&
    isDeepStrictEqual(statuses, result.stepStatuses) &&
    (outcome.job?.status ?? null) === result.jobStatus
  );
}
