/**
 * The shapes of a job as the NeMo Platform Jobs API v2 defines them (snake_case, as on the wire).
 * Defined once here and used by REST validation, GraphQL input validation, the database column
 * types and the OpenAPI document.
 */
import { z } from 'zod';
import { JOB_STATUSES } from './lifecycle.js';

/** Job and step names: a lowercase letter, then 2-63 characters in all, no `--`, no trailing `-`. */
export const NAME_PATTERN = /^[a-z](?!.*--)[a-z0-9\-@.+_]{1,62}(?<!-)$/;

export const resourceName = z.string().regex(NAME_PATTERN);

const jsonObject = z.record(z.string(), z.unknown());

export const secretRef = z.object({
  name: z.string().describe('The name of the secret to reference'),
});

export const environmentVariable = z
  .object({
    name: z.string().min(1).describe('The environment variable name'),
    value: z.string().optional().describe('The environment variable value'),
    from_secret: secretRef.optional(),
  })
  .refine((v) => (v.value === undefined) !== (v.from_secret === undefined), {
    message: 'exactly one of value and from_secret must be set',
  });

export const containerSpec = z.object({
  image: z.string().min(1),
  entrypoint: z.array(z.string()).optional(),
  command: z.array(z.string()).optional(),
});

export const computeResourceSpec = z.object({
  cpu: z.string().optional().describe("CPU specification (e.g., '250m', '1', '2.5')."),
  memory: z.string().optional().describe("Memory specification (e.g., '128Mi', '1Gi', '512M')."),
});

export const computeResources = z.object({
  requests: computeResourceSpec.optional(),
  limits: computeResourceSpec.optional(),
  num_nodes: z.number().int().min(1).default(1),
  num_gpus: z.number().int().min(0).optional(),
  shm_size: z.string().optional(),
});

export const CONTAINER_PROVIDERS = ['cpu', 'gpu', 'gpu_distributed'] as const;
export const EXECUTOR_PROVIDERS = [...CONTAINER_PROVIDERS, 'subprocess'] as const;
export type ExecutorProvider = (typeof EXECUTOR_PROVIDERS)[number];

const containerExecutor = <P extends (typeof CONTAINER_PROVIDERS)[number]>(provider: P) =>
  z.object({
    provider: z.literal(provider),
    profile: z.string().min(1).default('default'),
    container: containerSpec,
    resources: computeResources.optional(),
  });

export const subprocessExecutor = z.object({
  provider: z.literal('subprocess'),
  profile: z.string().min(1).default('default'),
  command: z.array(z.string()).min(1),
});

export const executor = z.discriminatedUnion('provider', [
  containerExecutor('cpu'),
  containerExecutor('gpu'),
  containerExecutor('gpu_distributed'),
  subprocessExecutor,
]);

export const stepLifecycle = z.object({
  staleness_timeout_seconds: z.number().int().min(0).default(0),
  /** How long a pausing step may take to stop; absent = the gateway default, 0 = not pausable. */
  pause_deadline_seconds: z.number().int().min(0).optional(),
});

export const stepSpec = z.object({
  name: resourceName,
  environment: z.array(environmentVariable).optional(),
  executor,
  config: jsonObject.optional(),
  lifecycle: stepLifecycle.optional(),
});

export const jobSpec = z.object({ steps: z.array(stepSpec).min(1) }).superRefine((spec, ctx) => {
  const seen = new Set<string>();
  spec.steps.forEach((step, index) => {
    if (seen.has(step.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['steps', index, 'name'],
        message: `step name '${step.name}' is used more than once`,
        input: step.name,
      });
    }
    seen.add(step.name);
  });
});

export const createJobRequest = z.object({
  name: resourceName.optional(),
  description: z.string().optional(),
  project: z.string().optional(),
  source: z.string().min(1),
  spec: jsonObject,
  platform_spec: jobSpec,
  ownership: jsonObject.optional(),
  custom_fields: jsonObject.optional(),
});

export type EnvironmentVariable = z.infer<typeof environmentVariable>;
export type Executor = z.infer<typeof executor>;
export type StepLifecycle = z.infer<typeof stepLifecycle>;
export type StepSpec = z.infer<typeof stepSpec>;
export type JobSpec = z.infer<typeof jobSpec>;
export type CreateJobRequest = z.infer<typeof createJobRequest>;

/** What an executor reports about a step (`PATCH …/steps/{name}/status`). */
export const stepStatusUpdate = z.object({
  status: z.enum(JOB_STATUSES),
  status_details: jsonObject.optional(),
  error_details: jsonObject.optional(),
});
export type StepStatusUpdate = z.infer<typeof stepStatusUpdate>;

/** What whoever runs a step reports about one of its tasks (`PUT …/steps/{step}/tasks/{name}`); it replaces the last report. */
export const taskUpdate = z.object({
  status: stepStatusUpdate.shape.status.default('pending'),
  status_details: jsonObject.optional(),
  error_details: jsonObject.optional(),
  error_stack: z.string().optional(),
});
export type TaskUpdate = z.infer<typeof taskUpdate>;

/** A result that points at an artifact stored elsewhere (`POST …/results/{name}` with a JSON body). */
export const resultReference = z.object({
  artifact_url: z.string().min(1),
  artifact_storage_type: z.enum(['fileset']),
});
export type ResultReference = z.infer<typeof resultReference>;

/** A job's status details, as a controller records its progress: merged, key by key, into the job's. */
export const statusDetailsUpdate = z.record(z.string(), z.unknown());
