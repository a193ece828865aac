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

const ResourceSpecRef = builder.objectRef<ResourceSpec>('ComputeResourceSpec').implement({
  fields: (t) => ({
    cpu: t.exposeString('cpu', { nullable: true }),
    memory: t.exposeString('memory', { nullable: true }),
  }),
});

const ResourcesRef = builder.objectRef<Resources>('ComputeResources').implement({
  fields: (t) => ({
    requests: t.expose('requests', { type: ResourceSpecRef, nullable: true }),
    limits: t.expose('limits', { type: ResourceSpecRef, nullable: true }),
    numNodes: t.exposeInt('num_nodes'),
    numGpus: t.exposeInt('num_gpus', { nullable: true }),
    shmSize: t.exposeString('shm_size', { nullable: true }),
  }),
});

const ContainerRef = builder.objectRef<Container>('ContainerSpec').implement({
  fields: (t) => ({
    image: t.exposeString('image'),
    entrypoint: t.exposeStringList('entrypoint', { nullable: true }),
    command: t.exposeStringList('command', { nullable: true }),
  }),
});

export const ExecutorRef = builder.interfaceRef<Executor>('Executor').implement({
  resolveType: (executor) =>
    executor.provider === 'subprocess' ? 'SubprocessExecutor' : 'ContainerExecutor',
  fields: (t) => ({
    provider: t.expose('provider', { type: ExecutorProviderEnum }),
    profile: t.exposeString('profile'),
  }),
});

builder.objectRef<ContainerExecutor>('ContainerExecutor').implement({
  description: 'Runs the step in a container on CPU, GPU or distributed GPU nodes.',
  interfaces: [ExecutorRef],
  fields: (t) => ({
    container: t.expose('container', { type: ContainerRef }),
    resources: t.expose('resources', { type: ResourcesRef, nullable: true }),
  }),
});

builder.objectRef<SubprocessExecutor>('SubprocessExecutor').implement({
  description: 'Runs the step as a host subprocess.',
  interfaces: [ExecutorRef],
  fields: (t) => ({ command: t.exposeStringList('command') }),
});

const SecretRefRef = builder.objectRef<{ name: string }>('SecretRef').implement({
  fields: (t) => ({ name: t.exposeString('name') }),
});

const EnvironmentVariableRef = builder.objectRef<EnvironmentVariable>('EnvironmentVariable').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    value: t.exposeString('value', { nullable: true }),
    fromSecret: t.expose('from_secret', { type: SecretRefRef, nullable: true }),
  }),
});

const StepLifecycleRef = builder.objectRef<StepLifecycle>('StepLifecycle').implement({
  fields: (t) => ({
    stalenessTimeoutSeconds: t.exposeInt('staleness_timeout_seconds'),
    pauseDeadlineSeconds: t.exposeInt('pause_deadline_seconds', { nullable: true }),
  }),
});

export const StepSpecRef = builder.objectRef<StepSpec>('StepSpec').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    executor: t.expose('executor', { type: ExecutorRef }),
    environment: t.expose('environment', { type: [EnvironmentVariableRef], nullable: true }),
    config: t.expose('config', { type: 'JSON', nullable: true }),
    lifecycle: t.expose('lifecycle', { type: StepLifecycleRef, nullable: true }),
  }),
});

export const JobSpecRef = builder.objectRef<{ steps: StepSpec[] }>('JobSpec').implement({
  fields: (t) => ({ steps: t.expose('steps', { type: [StepSpecRef] }) }),
});

// Inputs. Nullable fields mean "not given"; validation happens on the whole CreateJobInput.

const ResourceSpecInput = builder.inputType('ComputeResourceSpecInput', {
  fields: (t) => ({ cpu: t.string(), memory: t.string() }),
});

const ResourcesInput = builder.inputType('ComputeResourcesInput', {
  fields: (t) => ({
    requests: t.field({ type: ResourceSpecInput }),
    limits: t.field({ type: ResourceSpecInput }),
    numNodes: t.int(),
    numGpus: t.int(),
    shmSize: t.string(),
  }),
});

const ContainerInput = builder.inputType('ContainerSpecInput', {
  fields: (t) => ({
    image: t.string({ required: true }),
    entrypoint: t.stringList(),
    command: t.stringList(),
  }),
});

const ExecutorInput = builder.inputType('ExecutorInput', {
  description:
    'A container provider (CPU, GPU, GPU_DISTRIBUTED) needs `container`; SUBPROCESS needs `command`.',
  fields: (t) => ({
    provider: t.field({ type: ExecutorProviderEnum, required: true }),
    profile: t.string(),
    container: t.field({ type: ContainerInput }),
    resources: t.field({ type: ResourcesInput }),
    command: t.stringList(),
  }),
});

const SecretRefInput = builder.inputType('SecretRefInput', {
  fields: (t) => ({ name: t.string({ required: true }) }),
});

const EnvironmentVariableInput = builder.inputType('EnvironmentVariableInput', {
  description: 'Exactly one of `value` and `fromSecret`.',
  fields: (t) => ({
    name: t.string({ required: true }),
    value: t.string(),
    fromSecret: t.field({ type: SecretRefInput }),
  }),
});

const StepLifecycleInput = builder.inputType('StepLifecycleInput', {
  fields: (t) => ({
    stalenessTimeoutSeconds: t.int(),
    pauseDeadlineSeconds: t.int({
      description:
        'How long a running step may take to checkpoint and exit once paused; 0 (the default for subprocess steps) = cannot be paused while it runs.',
    }),
  }),
});

const StepSpecInput = builder.inputType('StepSpecInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    executor: t.field({ type: ExecutorInput, required: true }),
    environment: t.field({ type: [EnvironmentVariableInput] }),
    config: t.field({ type: 'JSON' }),
    lifecycle: t.field({ type: StepLifecycleInput }),
  }),
});

const JobSpecInput = builder.inputType('JobSpecInput', {
  fields: (t) => ({ steps: t.field({ type: [StepSpecInput], required: true }) }),
});

export const CreateJobInput = builder.inputType('CreateJobInput', {
  fields: (t) => ({
    name: t.string({ description: 'Generated from `source` when not given.' }),
    source: t.string({ required: true }),
    spec: t.field({ type: 'JSON', required: true }),
    platformSpec: t.field({ type: JobSpecInput, required: true }),
    description: t.string(),
    project: t.string(),
    ownership: t.field({ type: 'JSON' }),
    customFields: t.field({ type: 'JSON' }),
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
