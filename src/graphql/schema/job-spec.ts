/**
 * A job's platform spec in GraphQL: the output types that mirror the REST `platform_spec`, and the
 * input types of `createJob`. Input validation is the REST schema itself (jobs/spec.ts), applied to
 * the input once its camelCase names are mapped to the wire's snake_case.
 */
import { z } from 'zod';
import {
  createJobRequest,
  type EnvironmentVariable,
  type Executor,
  type StepLifecycle,
  type StepSpec,
} from '../../jobs/spec.js';
import { builder } from '../builder.js';
import { ExecutorProviderEnum } from './enums.js';

type ContainerExecutor = Extract<Executor, { container: unknown }>;
type SubprocessExecutor = Extract<Executor, { provider: 'subprocess' }>;
type Resources = NonNullable<ContainerExecutor['resources']>;
type ResourceSpec = NonNullable<Resources['requests']>;
type Container = ContainerExecutor['container'];

// Descriptions shared by each output type and its input twin.
const DOC = {
  cpu: {
    description: 'CPU cores, in Kubernetes quantity notation (`500m` = half a core, `2`); null when not set.',
  },
  memory: { description: 'Memory, in Kubernetes quantity notation (`512Mi`, `2Gi`); null when not set.' },
  requests: { description: 'What the step is guaranteed; null when not set.' },
  limits: { description: 'The most the step may use; null when not set.' },
  numNodes: {
    description: 'How many nodes run the step (more than 1 only for GPU_DISTRIBUTED); 1 by default.',
  },
  numGpus: { description: 'GPUs per node; null when not set.' },
  shmSize: { description: 'Size of the shared memory (`/dev/shm`), e.g. `1Gi`; null when not set.' },
  image: { description: 'The container image, e.g. `nvcr.io/nvidia/nemo:24.05`.' },
  entrypoint: { description: 'Replaces the image’s entrypoint; null keeps it.' },
  containerCommand: { description: 'Replaces the image’s command (its arguments); null keeps it.' },
  provider: { description: 'What runs the step.' },
  profile: {
    description: 'The execution profile of that provider the step runs under (`default` unless chosen).',
  },
  subprocessCommand: {
    description: 'The program and its arguments, run without a shell on the gateway’s host.',
  },
  secretName: {
    description:
      'The secret’s name; the built-in executor reads the gateway’s environment variable of that name.',
  },
  envName: { description: 'The variable’s name, as the workload sees it.' },
  envValue: { description: 'Its value; null when it comes from a secret.' },
  fromSecret: { description: 'The secret its value comes from; null when the value is given.' },
  stalenessTimeoutSeconds: {
    description:
      'A running step that prints nothing for this long (seconds) is stopped and fails; 0 = never.',
  },
  pauseDeadlineSeconds: {
    description:
      'How long a running step may take to checkpoint and exit once paused (seconds); 0 = it cannot be paused while it runs; null = left to its controller.',
  },
  stepName: {
    description: 'The step’s name, unique within its job (lower case, digits, `-`, `_`, `.`, `@`, `+`).',
  },
  executor: { description: 'What runs the step, and how.' },
  environment: {
    description: 'Environment variables the workload gets, besides the platform’s `NEMO_JOB_*` ones.',
  },
  config: {
    description:
      'The step’s configuration, free-form: the workload reads it from `NEMO_JOB_STEP_CONFIG_FILE_PATH`.',
  },
  lifecycle: { description: 'Staleness and pause rules of the step; null keeps the defaults.' },
  steps: { description: 'The steps, run one after another in this order.' },
} as const;

const ResourceSpecRef = builder.objectRef<ResourceSpec>('ComputeResourceSpec').implement({
  description: 'An amount of CPU and memory.',
  fields: (t) => ({
    cpu: t.exposeString('cpu', { nullable: true, ...DOC.cpu }),
    memory: t.exposeString('memory', { nullable: true, ...DOC.memory }),
  }),
});

const ResourcesRef = builder.objectRef<Resources>('ComputeResources').implement({
  description: 'What a container step asks of the cluster.',
  fields: (t) => ({
    requests: t.expose('requests', { type: ResourceSpecRef, nullable: true, ...DOC.requests }),
    limits: t.expose('limits', { type: ResourceSpecRef, nullable: true, ...DOC.limits }),
    numNodes: t.exposeInt('num_nodes', DOC.numNodes),
    numGpus: t.exposeInt('num_gpus', { nullable: true, ...DOC.numGpus }),
    shmSize: t.exposeString('shm_size', { nullable: true, ...DOC.shmSize }),
  }),
});

const ContainerRef = builder.objectRef<Container>('ContainerSpec').implement({
  description: 'The container a step runs in.',
  fields: (t) => ({
    image: t.exposeString('image', DOC.image),
    entrypoint: t.exposeStringList('entrypoint', { nullable: true, ...DOC.entrypoint }),
    command: t.exposeStringList('command', { nullable: true, ...DOC.containerCommand }),
  }),
});

export const ExecutorRef = builder.interfaceRef<Executor>('Executor').implement({
  description: 'What runs a step: ContainerExecutor or SubprocessExecutor.',
  resolveType: (executor) =>
    executor.provider === 'subprocess' ? 'SubprocessExecutor' : 'ContainerExecutor',
  fields: (t) => ({
    provider: t.expose('provider', { type: ExecutorProviderEnum, ...DOC.provider }),
    profile: t.exposeString('profile', DOC.profile),
  }),
});

builder.objectRef<ContainerExecutor>('ContainerExecutor').implement({
  description: 'Runs the step in a container on CPU, GPU or distributed GPU nodes.',
  interfaces: [ExecutorRef],
  fields: (t) => ({
    container: t.expose('container', { type: ContainerRef, description: 'The container to run.' }),
    resources: t.expose('resources', {
      type: ResourcesRef,
      nullable: true,
      description: 'What it asks of the cluster; null when nothing was asked.',
    }),
  }),
});

builder.objectRef<SubprocessExecutor>('SubprocessExecutor').implement({
  description: 'Runs the step as a host subprocess.',
  interfaces: [ExecutorRef],
  fields: (t) => ({ command: t.exposeStringList('command', DOC.subprocessCommand) }),
});

const SecretRefRef = builder.objectRef<{ name: string }>('SecretRef').implement({
  description: 'A secret, by name; its value is never shown.',
  fields: (t) => ({ name: t.exposeString('name', DOC.secretName) }),
});

const EnvironmentVariableRef = builder.objectRef<EnvironmentVariable>('EnvironmentVariable').implement({
  description: 'An environment variable of a step: a value, or a secret to read it from.',
  fields: (t) => ({
    name: t.exposeString('name', DOC.envName),
    value: t.exposeString('value', { nullable: true, ...DOC.envValue }),
    fromSecret: t.expose('from_secret', { type: SecretRefRef, nullable: true, ...DOC.fromSecret }),
  }),
});

const StepLifecycleRef = builder.objectRef<StepLifecycle>('StepLifecycle').implement({
  description: 'How long a step may stay silent, and how long it may take to pause.',
  fields: (t) => ({
    stalenessTimeoutSeconds: t.exposeInt('staleness_timeout_seconds', DOC.stalenessTimeoutSeconds),
    pauseDeadlineSeconds: t.exposeInt('pause_deadline_seconds', {
      nullable: true,
      ...DOC.pauseDeadlineSeconds,
    }),
  }),
});

export const StepSpecRef = builder.objectRef<StepSpec>('StepSpec').implement({
  description: 'What one step runs, as it was created.',
  fields: (t) => ({
    name: t.exposeString('name', DOC.stepName),
    executor: t.expose('executor', { type: ExecutorRef, ...DOC.executor }),
    environment: t.expose('environment', {
      type: [EnvironmentVariableRef],
      nullable: true,
      description: `${DOC.environment.description} Null when none.`,
    }),
    config: t.expose('config', { type: 'JSON', nullable: true, ...DOC.config }),
    lifecycle: t.expose('lifecycle', { type: StepLifecycleRef, nullable: true, ...DOC.lifecycle }),
  }),
});

export const JobSpecRef = builder.objectRef<{ steps: StepSpec[] }>('JobSpec').implement({
  description: 'How the platform runs a job.',
  fields: (t) => ({ steps: t.expose('steps', { type: [StepSpecRef], ...DOC.steps }) }),
});

// Inputs. Nullable fields mean "not given"; validation happens on the whole CreateJobInput.

const ResourceSpecInput = builder.inputType('ComputeResourceSpecInput', {
  description: 'An amount of CPU and memory; a field left out is not set.',
  fields: (t) => ({ cpu: t.string(DOC.cpu), memory: t.string(DOC.memory) }),
});

const ResourcesInput = builder.inputType('ComputeResourcesInput', {
  description: 'What a container step asks of the cluster.',
  fields: (t) => ({
    requests: t.field({ type: ResourceSpecInput, ...DOC.requests }),
    limits: t.field({ type: ResourceSpecInput, ...DOC.limits }),
    numNodes: t.int(DOC.numNodes),
    numGpus: t.int(DOC.numGpus),
    shmSize: t.string(DOC.shmSize),
  }),
});

const ContainerInput = builder.inputType('ContainerSpecInput', {
  description: 'The container a step runs in.',
  fields: (t) => ({
    image: t.string({ required: true, ...DOC.image }),
    entrypoint: t.stringList(DOC.entrypoint),
    command: t.stringList(DOC.containerCommand),
  }),
});

const ExecutorInput = builder.inputType('ExecutorInput', {
  description:
    'A container provider (CPU, GPU, GPU_DISTRIBUTED) needs `container`; SUBPROCESS needs `command`.',
  fields: (t) => ({
    provider: t.field({ type: ExecutorProviderEnum, required: true, ...DOC.provider }),
    profile: t.string({ description: 'The execution profile to run under; `default` when not given.' }),
    container: t.field({ type: ContainerInput, description: 'The container; container providers only.' }),
    resources: t.field({
      type: ResourcesInput,
      description: 'What it asks of the cluster; container providers only.',
    }),
    command: t.stringList({ description: `${DOC.subprocessCommand.description} SUBPROCESS only.` }),
  }),
});

const SecretRefInput = builder.inputType('SecretRefInput', {
  description: 'A secret, by name.',
  fields: (t) => ({ name: t.string({ required: true, ...DOC.secretName }) }),
});

const EnvironmentVariableInput = builder.inputType('EnvironmentVariableInput', {
  description: 'Exactly one of `value` and `fromSecret`.',
  fields: (t) => ({
    name: t.string({ required: true, ...DOC.envName }),
    value: t.string({ description: 'Its value.' }),
    fromSecret: t.field({ type: SecretRefInput, description: 'The secret to read its value from.' }),
  }),
});

const StepLifecycleInput = builder.inputType('StepLifecycleInput', {
  description: 'How long a step may stay silent, and how long it may take to pause; left out: the defaults.',
  fields: (t) => ({
    stalenessTimeoutSeconds: t.int({
      description: `${DOC.stalenessTimeoutSeconds.description} 0 by default.`,
    }),
    pauseDeadlineSeconds: t.int({
      description:
        'How long a running step may take to checkpoint and exit once paused; 0 (the default for subprocess steps) = cannot be paused while it runs.',
    }),
  }),
});

const StepSpecInput = builder.inputType('StepSpecInput', {
  description: 'One step of a new job.',
  fields: (t) => ({
    name: t.string({ required: true, ...DOC.stepName }),
    executor: t.field({ type: ExecutorInput, required: true, ...DOC.executor }),
    environment: t.field({ type: [EnvironmentVariableInput], ...DOC.environment }),
    config: t.field({ type: 'JSON', ...DOC.config }),
    lifecycle: t.field({ type: StepLifecycleInput, ...DOC.lifecycle }),
  }),
});

const JobSpecInput = builder.inputType('JobSpecInput', {
  description: 'How the platform is to run a new job.',
  fields: (t) => ({
    steps: t.field({
      type: [StepSpecInput],
      required: true,
      description: 'The steps, at least one, run in this order.',
    }),
  }),
});

export const CreateJobInput = builder.inputType('CreateJobInput', {
  description:
    'A new job; free-form fields (`spec`, `ownership`, `customFields`, step `config`) keep their keys as sent.',
  fields: (t) => ({
    name: t.string({ description: 'Generated from `source` when not given.' }),
    source: t.string({
      required: true,
      description: 'Where the job comes from (a repository, a tool, `ui`).',
    }),
    spec: t.field({
      type: 'JSON',
      required: true,
      description: 'The job’s own configuration, free-form (`{}` for none).',
    }),
    platformSpec: t.field({ type: JobSpecInput, required: true, description: 'Its steps.' }),
    description: t.string({ description: 'Free text about the job.' }),
    project: t.string({ description: 'The project to file it under.' }),
    ownership: t.field({
      type: 'JSON',
      description: 'Who owns it, free-form; with access control on, `created_by` is set to the caller.',
    }),
    customFields: t.field({ type: 'JSON', description: 'Fields of your own, free-form.' }),
  }),
});

/** Free-form documents keep their keys as sent; only the spec's own structure is renamed. */
const FREE_FORM = new Set(['spec', 'config', 'ownership', 'customFields']);
const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function toWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toWire);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === null || field === undefined) continue;
    out[snake(key)] = FREE_FORM.has(key) ? field : toWire(field);
  }
  return out;
}

/**
 * `CreateJobInput` checked by the REST create schema. It only validates: the zod plugin also
 * checks the nested input types against the GraphQL shape, so the value must stay camelCase.
 */
export const createJobInputSchema = z.any().superRefine((input, ctx) => {
  const result = createJobRequest.safeParse(toWire(input));
  if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue });
});

/** The validated input as the jobs service takes it. */
export const toCreateJobRequest = (input: unknown) => createJobRequest.parse(toWire(input));
