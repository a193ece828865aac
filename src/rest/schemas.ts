/**
 * The REST door's named shapes: the responses the routes send, and the component names the
 * OpenAPI document gives to the request shapes of ../jobs/spec.ts. The serializers are typed by
 * these schemas and the document is generated from them, so the two cannot drift apart.
 */
import { z } from 'zod';
import { WORKSPACE_ROLES, workspaceMemberInput, workspaceMemberUpdate } from '../access/index.js';
import type { ExecutionProfile } from '../jobs/profiles.js';
import {
  EXECUTOR_PROVIDERS,
  computeResourceSpec,
  computeResources,
  containerSpec,
  createJobRequest,
  environmentVariable,
  executor,
  jobSpec,
  secretRef,
  stepLifecycle,
  stepSpec,
  resultReference,
  statusDetailsUpdate,
  stepStatusUpdate,
  taskUpdate,
} from '../jobs/spec.js';
import { SORT_VALUES, STEP_SORT_VALUES } from './list-query.js';

export interface ComponentMeta {
  /** The name under `#/components/schemas`. */
  id: string;
  description?: string;
}

/**
 * Which schemas become named components (`#/components/schemas/<id>`). A registry of our own, not
 * z.globalRegistry: `.meta({ id })` would clone spec.ts's schemas, and a clone is not the instance
 * the request schemas nest, so nothing would refer to it; and the names stay this door's business
 * instead of process-wide state.
 */
export const components = z.registry<ComponentMeta>();

function nameComponent<S extends z.ZodType>(schema: S, meta: ComponentMeta): S {
  components.add(schema, meta);
  return schema;
}

// The request shapes, named as upstream names them.
nameComponent(secretRef, {
  id: 'PlatformJobSecretEnvironmentVariableRef',
  description: 'Reference to a secret to populate an environment variable for a job step.',
});
nameComponent(environmentVariable, {
  id: 'PlatformJobEnvironmentVariable',
  description: 'Environment variable for a job step: exactly one of `value` and `from_secret`.',
});
nameComponent(containerSpec, {
  id: 'ContainerSpec',
  description: 'Specification for a container configuration.',
});
nameComponent(computeResourceSpec, { id: 'ComputeResourceSpec', description: 'Resource specification.' });
nameComponent(computeResources, {
  id: 'ComputeResources',
  description: 'Resource requirements matching k8s ResourceRequirements format.',
});
nameComponent(executor, {
  id: 'PlatformJobStepSpecExecutor',
  description:
    'The executor for the step: a container provider (`cpu`, `gpu`, `gpu_distributed`) or `subprocess`.',
});
nameComponent(stepLifecycle, {
  id: 'StepLifecycle',
  description:
    'Controller-level lifecycle configuration for a job step. `pause_deadline_seconds` is how long a running ' +
    'step may take to checkpoint and exit once paused (absent: 0 for `subprocess` steps, the controller decides ' +
    'for container steps; 0: the step cannot be paused while it runs).',
});
nameComponent(stepSpec, {
  id: 'PlatformJobStepSpec',
  description: 'Specification for a single step in a platform job.',
});
nameComponent(jobSpec, {
  id: 'PlatformJobSpec',
  description: 'Specification for a platform job: its steps, run in order, with unique names.',
});
nameComponent(createJobRequest, {
  id: 'PlatformJobCreateRequest',
  description: 'A job to create. Without `name`, one is generated from `source`.',
});
nameComponent(stepStatusUpdate, {
  id: 'PlatformJobStepStatusUpdate',
  description: 'What an executor reports about a step.',
});

/**
 * The shapes clients send as request bodies. The document names the other components after the
 * responses that carry them, and splits a shape used both ways whose two forms differ.
 */
export const requestBodies: readonly z.ZodType[] = [
  createJobRequest,
  stepStatusUpdate,
  taskUpdate,
  resultReference,
  statusDetailsUpdate,
  workspaceMemberInput,
  workspaceMemberUpdate,
];

nameComponent(taskUpdate, {
  id: 'PlatformJobTaskUpdate',
  description: 'What is reported about a task; it replaces the last report.',
});
nameComponent(statusDetailsUpdate, {
  id: 'PlatformJobStatusDetailsUpdate',
  description: 'Keys to merge into a job’s status details.',
});
nameComponent(resultReference, {
  id: 'PlatformJobResultCreateRequest',
  description: 'A result that points at an artifact stored elsewhere.',
});

nameComponent(workspaceMemberInput, {
  id: 'WorkspaceMemberInput',
  description:
    'A member to add: a principal (an email, a subject, or `*` for every authenticated principal) and its roles.',
});
nameComponent(workspaceMemberUpdate, {
  id: 'WorkspaceMemberUpdate',
  description: 'The roles a member holds from now on.',
});

/** The same instance the step-status body uses, so both refer to one component. */
export const jobStatus = nameComponent(stepStatusUpdate.shape.status, {
  id: 'PlatformJobStatus',
  description: 'Enumeration of possible job statuses.',
});

const jsonObject = z.record(z.string(), z.unknown());
const timestamp = z.iso.datetime().describe('ISO-8601, UTC');

export const platformJobResponse = z
  .object({
    id: z.string().describe('`platform-job-` and 22 base58 characters'),
    attempt_id: z.string(),
    name: z.string(),
    workspace: z.string().describe('Workspace identifier'),
    project: z.string().optional().describe('Project URN'),
    description: z.string().optional(),
    source: z.string(),
    spec: jsonObject.describe('Job Spec, as it was sent'),
    platform_spec: jobSpec,
    fileset: z.string().describe('Fileset ID for storing job artifacts'),
    status: jobStatus,
    status_details: jsonObject.describe('Details about the job status'),
    error_details: jsonObject,
    created_at: timestamp,
    updated_at: timestamp.describe('ISO-8601, UTC; moves on every status change'),
    ownership: jsonObject,
    custom_fields: jsonObject.describe('Custom Fields'),
  })
  .register(components, { id: 'PlatformJobResponse', description: 'Response model for a platform job.' });
export type PlatformJobResponse = z.infer<typeof platformJobResponse>;

const runtimeStatus = z.object({
  id: z.string(),
  name: z.string(),
  status: jobStatus,
  status_details: jsonObject,
  error_details: jsonObject,
  created_at: timestamp,
  updated_at: timestamp,
});
export type RuntimeStatus = z.infer<typeof runtimeStatus>;

export const taskStatus = runtimeStatus
  .extend({ error_stack: z.string().describe('The error stack trace; empty when there is none') })
  .register(components, { id: 'PlatformJobTaskStatusResponse', description: 'A task’s runtime status.' });
export type TaskStatus = z.infer<typeof taskStatus>;

export const stepStatusTree = runtimeStatus
  .extend({ tasks: z.array(taskStatus).describe('The step’s tasks, in the order they were first reported') })
  .register(components, { id: 'PlatformJobStepStatus', description: 'A step’s runtime status.' });

export const jobStatusTree = runtimeStatus.extend({ steps: z.array(stepStatusTree) }).register(components, {
  id: 'PlatformJobStatusResponse',
  description: 'A job’s runtime status and each step’s.',
});
export type JobStatusTree = z.infer<typeof jobStatusTree>;

/** Who created and last changed an entity: the gateway records no principal for these, so always null. */
const byWhom = z.string().nullable();

export const stepResponse = runtimeStatus
  .extend({
    job_id: z.string(),
    job: z.string().describe('The job’s name'),
    workspace: z.string(),
    spec: stepSpec,
    // The same as `spec`, under upstream's name.
    step_spec: stepSpec,
    fileset: z.string().describe('The job’s fileset'),
    attempt_id: z.string().describe('The job’s attempt'),
    config: jsonObject.describe('The step’s config, as in its spec (`{}` when it has none)'),
    created_by: byWhom,
    updated_by: byWhom,
    entity_id: z.string().describe('The same as `id`'),
    parent: z.string().describe('The attempt the step belongs to: `attempt_id`'),
  })
  .register(components, {
    id: 'PlatformJobStepResponse',
    description: 'A step as executors and controllers see it: its runtime status and its spec.',
  });
export type StepResponse = z.infer<typeof stepResponse>;

export const paginationData = z
  .object({
    page: z.int().min(1),
    page_size: z.int().min(1),
    current_page_size: z.int().min(0),
    total_pages: z.int().min(1).describe('1 when there are no results'),
    total_results: z.int().min(0),
  })
  .register(components, { id: 'PaginationData' });

const filterEcho = z
  .record(z.string(), z.union([z.string(), z.record(z.string(), z.string())]))
  .optional()
  .describe('The filter as it was given; absent when none was');

export const jobListResponse = z
  .object({
    data: z.array(platformJobResponse),
    pagination: paginationData,
    sort: z.enum(SORT_VALUES),
    filter: filterEcho,
  })
  .register(components, { id: 'PlatformJobListResponse', description: 'A page of jobs.' });

export const stepListResponse = z
  .object({
    data: z.array(stepResponse),
    pagination: paginationData,
    sort: z.enum(STEP_SORT_VALUES),
    filter: filterEcho,
  })
  .register(components, {
    id: 'PlatformJobStepListResponse',
    description: 'A page of steps, oldest job first.',
  });

export const platformJobTask = z
  .object({
    id: z.string().describe('`platform-job-task-` and 22 base58 characters'),
    name: z.string(),
    workspace: z.string(),
    step_id: z.string(),
    status: jobStatus,
    status_details: jsonObject,
    error_details: jsonObject,
    error_stack: z.string().optional(),
    created_at: timestamp,
    created_by: byWhom.describe(
      'Who first reported it; null for the gateway’s own and with access control off',
    ),
    updated_at: timestamp,
    updated_by: byWhom.describe('Who reported it last'),
    entity_id: z.string().describe('The same as `id`'),
    parent: z.string().describe('The step it belongs to: `step_id`'),
  })
  .register(components, { id: 'PlatformJobTask', description: 'A task of a step: a unit the step runs as.' });
export type PlatformJobTask = z.infer<typeof platformJobTask>;

export const taskList = z
  .object({ data: z.array(platformJobTask) })
  .register(components, { id: 'PlatformJobListTaskResponse', description: 'A step’s tasks.' });

export const platformJobResult = z
  .object({
    name: z.string(),
    job: z.string().describe('The job’s name'),
    workspace: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
    artifact_url: z.string().describe('Where the artifact is'),
    artifact_storage_type: z.enum(['fileset']),
    download_url: z
      .string()
      .optional()
      .describe('The path to download the file from this gateway; absent for a result that points elsewhere'),
    size: z.int().min(0).optional().describe('The stored file’s size in bytes'),
    content_type: z.string().optional().describe('The stored file’s media type'),
  })
  .register(components, { id: 'PlatformJobResultResponse', description: 'A result artifact of a job.' });
export type PlatformJobResult = z.infer<typeof platformJobResult>;

export const resultList = z
  .object({ data: z.array(platformJobResult) })
  .register(components, { id: 'PlatformJobListResultResponse', description: 'A job’s results.' });

// `satisfies` ties the schema to the domain's own interface: it fails to compile if they drift.
export const executionProfile = z
  .object({
    provider: z.enum(EXECUTOR_PROVIDERS),
    profile: z.string(),
    backend: z
      .enum(['subprocess', 'external'])
      .describe('Who runs the step: the built-in executor or a controller'),
    config: jsonObject,
  })
  .register(components, {
    id: 'ExecutionProfile',
    description: 'A (provider, profile) pair this gateway can run steps on.',
  }) satisfies z.ZodType<ExecutionProfile>;

export const executionProfileList = z
  .array(executionProfile)
  .register(components, { id: 'ExecutionProfileList', description: 'Every configured execution profile.' });

/** One status change of a job: the `data:` of a `status` event of `GET …/jobs/{name}/events`. */
export const jobStatusEvent = z
  .object({
    cursor: z
      .string()
      .describe('Where the event is in the event log; also the event’s `id:`, to resume after it'),
    job_id: z.string(),
    workspace: z.string(),
    name: z.string().describe('The job’s name'),
    status: jobStatus,
    previous_status: jobStatus.nullable().describe('`null` for the job’s first event, its creation'),
    occurred_at: timestamp,
  })
  .register(components, { id: 'JobStatusEvent', description: 'A job’s status change.' });
export type JobStatusEvent = z.infer<typeof jobStatusEvent>;

export const jobLogEntry = z
  .object({
    timestamp: timestamp.describe('ISO-8601, UTC: when the gateway read the line'),
    job: z.string().describe('The job’s name'),
    job_step: z.string().describe('The step’s name'),
    job_task: z.string().describe('The task that printed it: a subprocess step’s one task, `process`'),
    message: z.string().describe('The line, without its line break'),
    stream: z.enum(['stdout', 'stderr']).describe('Which output of the process printed it'),
  })
  .register(components, { id: 'JobLogEntry', description: 'One line a step’s process printed.' });
export type JobLogEntry = z.infer<typeof jobLogEntry>;

export const jobLogPage = z
  .object({
    data: z.array(jobLogEntry).describe('The page’s lines, oldest first'),
    total: z.int().min(0).describe('How many lines the job (or the step asked for) has in all'),
    next_page: z
      .string()
      .nullable()
      .describe('The `page_cursor` of the lines after this page; `null` when there are none yet'),
    prev_page: z
      .string()
      .nullable()
      .describe('The `page_cursor` of the lines before this page; `null` when there are none'),
  })
  .register(components, {
    id: 'JobLogPage',
    description: 'A page of a job’s log lines, with cursors for the neighbouring pages.',
  });
export type JobLogPage = z.infer<typeof jobLogPage>;

export const validationError = z
  .object({
    type: z.string(),
    loc: z
      .array(z.union([z.string(), z.int()]))
      .describe('Where: `body`, `query` or `path`, then the field path'),
    msg: z.string(),
    input: z.unknown(),
    ctx: jsonObject.optional(),
  })
  .register(components, { id: 'ValidationError' });

export const httpValidationError = z.object({ detail: z.array(validationError) }).register(components, {
  id: 'HTTPValidationError',
  description: 'A request that does not match its schema.',
});

export const httpError = z
  .object({ detail: z.string().describe('One sentence saying what went wrong') })
  .register(components, { id: 'HTTPError', description: 'Any other error.' });

export const workspaceMember = z
  .object({
    principal: z.string().describe('The principal identifier: an email, a subject, or `*`'),
    roles: z
      .array(z.enum(WORKSPACE_ROLES))
      .describe('Its roles, in the order Viewer, Editor, Admin, JobRunner'),
    granted_at: timestamp.describe('When its earliest role still held was granted'),
    granted_by: z.string().describe('Who granted that role'),
  })
  .register(components, { id: 'WorkspaceMember', description: 'A principal’s roles in a workspace.' });
export type WorkspaceMemberResponse = z.infer<typeof workspaceMember>;

export const workspaceMemberList = z
  .object({ data: z.array(workspaceMember) })
  .register(components, { id: 'WorkspaceMemberListResponse', description: 'A workspace’s members.' });

export const deleteResponse = z
  .object({
    message: z.string(),
    id: z.string().describe('The removed member’s principal'),
    deleted_at: timestamp,
  })
  .register(components, { id: 'DeleteResponse', description: 'What was removed, and when.' });

export const authDiscovery = z
  .object({
    auth_enabled: z.boolean(),
    oidc: z
      .object({
        issuer: z.string(),
        authorization_endpoint: z.string().optional(),
        token_endpoint: z.string().optional(),
        device_authorization_endpoint: z.string().optional(),
        userinfo_endpoint: z.string().optional(),
        client_id: z.string(),
        default_scopes: z.string(),
        scope_prefix: z.string().optional(),
      })
      .optional()
      .describe('How to log in; absent when access control is off'),
  })
  .register(components, {
    id: 'AuthDiscoveryResponse',
    description: 'What CLIs and SDKs need to authenticate with this gateway.',
  });
export type AuthDiscoveryResponse = z.infer<typeof authDiscovery>;
