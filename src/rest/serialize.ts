/**
 * Domain records to the NeMo Platform Jobs API v2 wire shapes (snake_case, schema key order),
 * typed by the response schemas of schemas.ts that the OpenAPI document is generated from.
 */
import type { JobStepRow, JobStepTaskRow } from '../jobs/tables.js';
import type { ResultRecord } from '../jobs/results.js';
import { JOBS_API_ROOT } from './operations.js';
import type { StatusEvent } from '../events/feed.js';
import type { JobRecord } from '../jobs/repository.js';
import { filesetOf, stepSpecOf } from '../jobs/views.js';
import { isoTimestamp as iso } from '../support/timestamps.js';
import type {
  JobStatusEvent,
  JobStatusTree,
  PlatformJobResponse,
  PlatformJobResult,
  PlatformJobTask,
  TaskStatus,
  RuntimeStatus,
  StepResponse,
} from './schemas.js';

/** `PlatformJobResponse` */
export function jobResponse(job: JobRecord): PlatformJobResponse {
  return {
    id: job.id,
    attempt_id: job.attemptId,
    name: job.name,
    workspace: job.workspace,
    ...(job.project !== null ? { project: job.project } : {}),
    ...(job.description !== null ? { description: job.description } : {}),
    source: job.source,
    spec: job.spec,
    platform_spec: { steps: job.steps.map(stepSpecOf) },
    fileset: filesetOf(job),
    status: job.status,
    status_details: job.statusDetails,
    error_details: job.errorDetails ?? {},
    created_at: iso(job.createdAt),
    updated_at: iso(job.updatedAt),
    ownership: job.ownership,
    custom_fields: job.customFields,
  };
}

const runtimeStatus = (row: JobRecord | JobStepRow | JobStepTaskRow): RuntimeStatus => ({
  id: row.id,
  name: row.name,
  status: row.status,
  status_details: row.statusDetails,
  error_details: row.errorDetails ?? {},
  created_at: iso(row.createdAt),
  updated_at: iso(row.updatedAt),
});

/** A task's status, as the status tree shows it. */
const taskStatus = (task: JobStepTaskRow): TaskStatus => ({
  ...runtimeStatus(task),
  error_stack: task.errorStack ?? '',
});

/** `GET …/jobs/{name}/status`: the job's status and each step's, with the step's tasks. */
export function statusTree(job: JobRecord, tasks: ReadonlyMap<string, JobStepTaskRow[]>): JobStatusTree {
  return {
    ...runtimeStatus(job),
    steps: job.steps.map((step) => ({
      ...runtimeStatus(step),
      tasks: (tasks.get(step.id) ?? []).map(taskStatus),
    })),
  };
}

/** A step as the controller API shows it: its runtime status, its spec, and upstream's step fields. */
export function stepResponse(
  step: JobStepRow,
  job: { workspace: string; name: string; attemptId: string },
): StepResponse {
  return {
    ...runtimeStatus(step),
    job_id: step.jobId,
    job: job.name,
    workspace: job.workspace,
    spec: stepSpecOf(step),
    step_spec: stepSpecOf(step),
    fileset: filesetOf(job),
    attempt_id: job.attemptId,
    config: step.config ?? {},
    created_by: null,
    updated_by: null,
    entity_id: step.id,
    parent: job.attemptId,
  };
}

/** `PlatformJobTask` */
export function taskResponse(task: JobStepTaskRow, workspace: string): PlatformJobTask {
  return {
    ...runtimeStatus(task),
    workspace,
    step_id: task.stepId,
    ...(task.errorStack !== null ? { error_stack: task.errorStack } : {}),
    created_by: task.createdBy,
    updated_by: task.updatedBy,
    entity_id: task.id,
    parent: task.stepId,
  };
}

/** Where a stored result's file is downloaded from on this gateway (REST's `download_url`, GraphQL's `downloadUrl`). */
export const resultDownloadPath = (result: Pick<ResultRecord, 'workspace' | 'jobName' | 'name'>) =>
  `${JOBS_API_ROOT}/workspaces/${encodeURIComponent(result.workspace)}/jobs/${encodeURIComponent(
    result.jobName,
  )}/results/${encodeURIComponent(result.name)}/download`;

/** `PlatformJobResultResponse`; a stored file's `download_url` is this gateway's path. */
export function resultResponse(result: ResultRecord): PlatformJobResult {
  return {
    name: result.name,
    job: result.jobName,
    workspace: result.workspace,
    created_at: iso(result.createdAt),
    updated_at: iso(result.updatedAt),
    artifact_url: result.artifactUrl,
    artifact_storage_type: result.artifactStorageType,
    ...(result.file !== null
      ? {
          download_url: resultDownloadPath(result),
          ...(result.size !== null ? { size: result.size } : {}),
          ...(result.contentType !== null ? { content_type: result.contentType } : {}),
        }
      : {}),
  };
}

/** `JobStatusEvent`: one status event as a REST client sees it (the `data:` of the SSE stream). */
export function eventResponse(event: StatusEvent): JobStatusEvent {
  return {
    cursor: event.cursor,
    job_id: event.jobId,
    workspace: event.workspace,
    name: event.jobName,
    status: event.status,
    previous_status: event.previousStatus,
    occurred_at: iso(event.occurredAt),
  };
}
