/**
 * Domain records to the NeMo Platform Jobs API v2 wire shapes (snake_case, schema key order),
 * typed by the response schemas of schemas.ts that the OpenAPI document is generated from.
 */
import type { JobStepRow } from '../jobs/tables.js';
import type { StatusEvent } from '../events/feed.js';
import type { JobRecord } from '../jobs/repository.js';
import { filesetOf, stepSpecOf } from '../jobs/views.js';
import type {
  JobStatusEvent,
  JobStatusTree,
  PlatformJobResponse,
  RuntimeStatus,
  StepResponse,
} from './schemas.js';

const iso = (d: Date) => d.toISOString();

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

const runtimeStatus = (row: JobRecord | JobStepRow): RuntimeStatus => ({
  id: row.id,
  name: row.name,
  status: row.status,
  status_details: row.statusDetails,
  error_details: row.errorDetails ?? {},
  created_at: iso(row.createdAt),
  updated_at: iso(row.updatedAt),
});

/** `GET …/jobs/{name}/status`: the job's status and each step's. */
export function statusTree(job: JobRecord): JobStatusTree {
  return { ...runtimeStatus(job), steps: job.steps.map((step) => ({ ...runtimeStatus(step), tasks: [] })) };
}

/** A step as the controller API shows it: its runtime status and its spec. */
export function stepResponse(step: JobStepRow, job: { workspace: string; name: string }): StepResponse {
  return {
    ...runtimeStatus(step),
    job_id: step.jobId,
    job: job.name,
    workspace: job.workspace,
    spec: stepSpecOf(step),
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
