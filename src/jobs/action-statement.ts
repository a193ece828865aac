/**
 * A user's action on a job (pause, resume, cancel) as ONE prepared statement: lock the job and
 * its steps, decide by the lifecycle, write the steps, the job and the status event, and return
 * the job as it was locked. One round trip and no parsing or planning per request, where a
 * transaction of separate statements took four round trips, each parsed and planned again.
 *
 * The statement's rules are generated from the lifecycle (lifecycle.ts) when this module loads:
 * the job's new status from the action table, each step's from `stepStatusesAfter`. Only the
 * pause refusal (a running step that cannot checkpoint) is written out here, next to a note;
 * test/lifecycle.statement.test.ts walks every cell through the statement and the lifecycle's
 * functions and compares, and the service checks their agreement on every request.
 */
import { runStatement, type Database } from '../db/client.js';
import {
  CHANGED_AT,
  LOCKED_JOB_CTES,
  lockedChangeOf,
  statusLiteral,
  type LockedChange,
} from './status-statement.js';
import {
  actionTable,
  DEFAULT_PAUSE_DEADLINE_SECONDS,
  JOB_STATUSES,
  stepStatusesAfter,
  type JobAction,
  type JobStatus,
} from './lifecycle.js';

export type StatusAction = Exclude<JobAction, 'delete'>;

/** `case <subject> when 'a' then 'b' … else <otherwise> end` for the statuses `map` changes. */
function statusCase(
  subject: string,
  map: (status: JobStatus) => JobStatus | undefined,
  otherwise: string,
): string {
  const cells = JOB_STATUSES.flatMap((status) => {
    const to = map(status);
    // Unchanged statuses fall through to `otherwise` when that is the subject itself.
    const unchanged = to === undefined || (to === status && otherwise === subject);
    return unchanged ? [] : [`when ${statusLiteral(status)} then ${statusLiteral(to)}`];
  });
  return cells.length === 0 ? otherwise : `case ${subject} ${cells.join(' ')} else ${otherwise} end`;
}

/** The job's new status: the action table's transitions; null for a no-op or a conflict. */
function jobStatusAfter(action: StatusAction): string {
  return statusCase(
    'job.status',
    (status) => {
      const outcome = actionTable[action][status];
      return outcome.kind === 'transition' ? outcome.to : undefined;
    },
    'null',
  );
}

/**
 * A step's new status when the job moves to `decision.to_status`, from `stepStatusesAfter`: asked of a
 * job whose only step is this one (it is then the current step), or of a job whose current step is
 * an earlier one.
 */
function stepStatusAfter(action: StatusAction): string {
  const targets = new Set(
    JOB_STATUSES.flatMap((status) => {
      const outcome = actionTable[action][status];
      return outcome.kind === 'transition' ? [outcome.to] : [];
    }),
  );
  const forTarget = [...targets].map((to) => {
    const current = statusCase(
      'locked."step.status"',
      (s) => stepStatusesAfter(action, to, [s])[0],
      'locked."step.status"',
    );
    const other = statusCase(
      'locked."step.status"',
      (s) => stepStatusesAfter(action, to, ['active', s])[1],
      'locked."step.status"',
    );
    return `when ${statusLiteral(to)} then case when current_step.id is not null then ${current} else ${other} end`;
  });
  return `case decision.to_status ${forTarget.join(' ')} else locked."step.status" end`;
}

/**
 * Why a pause is refused, as `pauseRefusal` (lifecycle.ts) decides it: the current step runs and
 * its pause deadline (its lifecycle's, else the built-in executor's default) is 0.
 */
const PAUSE_REFUSED = `locked."step.status" = 'active' and coalesce(
      (locked."step.lifecycle" ->> 'pause_deadline_seconds')::numeric,
      case when locked."step.executor" ->> 'provider' = 'subprocess' then ${DEFAULT_PAUSE_DEADLINE_SECONDS} end
    ) = 0`;

/**
 * $1 workspace, $2 name, $3 the actor. One row per step in step order:
 * the job and step as locked (before the change), the step's status after it (`step.newStatus`),
 * and whether the change was written (`applied`). No rows: no such job. A data-modifying CTE's
 * changes are invisible to the rest of its statement, hence the computed new statuses.
 */
function actionStatement(action: StatusAction): string {
  const refused =
    action === 'pause'
      ? `and not exists (select 1 from locked join current_step on current_step.id = locked."step.id"
        where ${PAUSE_REFUSED})`
      : '';
  return `with ${LOCKED_JOB_CTES},
job as (
  select "job.id" as id, "job.workspace" as workspace, "job.name" as name, "job.status" as status
  from locked limit 1
),
decision as (
  select job.*, ${jobStatusAfter(action)} as to_status from job
),
current_step as (
  -- The first step that has not completed; the last one when all have.
  select "step.id" as id from locked
  order by "step.status" = 'completed',
    case when "step.status" = 'completed' then -"step.position" else "step.position" end
  limit 1
),
next as (
  select locked."step.id" as id, locked."step.status" as status, ${stepStatusAfter(action)} as new_status
  from locked cross join decision left join current_step on current_step.id = locked."step.id"
),
applied as (
  select * from decision where to_status is not null ${refused}
),
step_writes as (
  update job_steps set status = next.new_status, updated_at = ${CHANGED_AT}
  from next, applied where job_steps.id = next.id and next.new_status <> next.status
),
job_write as (
  update jobs set status = applied.to_status, updated_at = ${CHANGED_AT}
  from applied where jobs.id = applied.id
),
event as (
  insert into job_status_events (job_id, workspace, job_name, status, previous_status, occurred_at, actor)
  select id, workspace, name, to_status, status, ${CHANGED_AT}, $3::text from applied
)
select locked.*, next.new_status as "step.newStatus", exists (select 1 from applied) as applied,
  ${CHANGED_AT} as "changedAt"
from locked join next on next.id = locked."step.id"
order by locked."step.position"`;
}

/** Built once: the text is the prepared statement's name on every connection. */
export const ACTION_STATEMENTS: Record<StatusAction, string> = {
  pause: actionStatement('pause'),
  resume: actionStatement('resume'),
  cancel: actionStatement('cancel'),
};

export interface ActionResult extends LockedChange {
  /** Whether the statement changed the job (and wrote its event). */
  applied: boolean;
}

/** Runs `action` on the job; undefined when there is no such job. */
export async function runAction(
  db: Database,
  action: StatusAction,
  job: { workspace: string; name: string },
  actor: string | null,
): Promise<ActionResult | undefined> {
  const rows = await runStatement(db, ACTION_STATEMENTS[action], [job.workspace, job.name, actor]);
  const change = lockedChangeOf(rows);
  return change && { ...change, applied: rows[0]!.applied === true };
}
