/** The Job type, its runtime steps, and the `job` and `jobs` queries. */
import type { Operation } from '../../access/index.js';
import type { JobRow, JobStepRow } from '../../jobs/tables.js';
import { JobNotFoundError } from '../../jobs/errors.js';
import { allowedActions, type JobAction } from '../../jobs/lifecycle.js';
import {
  JOB_LIST_FILTER_FIELDS,
  JOB_SORT_FIELDS,
  JOB_TIME_FILTER_FIELDS,
  type JobListFilter,
  type ListFilterField,
  type SortField,
  type TimeFilterField,
} from '../../jobs/job-query.js';
import { keyOf, type JobKey } from '../../jobs/job-list.js';
import { filesetOf, stepSpecOf } from '../../jobs/views.js';
import { firstOrLast, invalidCursor, pageSize } from '../argument-errors.js';
import { needs } from '../auth-scopes.js';
import { builder, type TotalCount } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { JobActionEnum, JobStatusEnum, upperCased } from './enums.js';
import { JobSpecRef, StepSpecRef } from './job-spec.js';

/** The `workspace` argument of every field that reads or changes a workspace's jobs. */
export const WORKSPACE_ARG = 'The workspace, by name (e.g. `default`).';

/** The runtime status a job and each of its steps have, as the same fields; `say` words the differences. */
function runtimeStatusFields<Row extends JobRow | JobStepRow>(
  t: PothosSchemaTypes.ObjectFieldBuilder<(typeof builder)['$inferSchemaTypes'], Row>,
  say: { status: string; createdAt: string; updatedAt: string },
) {
  return {
    status: t.field({ type: JobStatusEnum, description: say.status, resolve: (row) => row.status }),
    statusDetails: t.field({
      type: 'JSON',
      description:
        'What the executor reports about the current status, free-form (e.g. `runner`, the executor running it); `{}` when nothing.',
      resolve: (row) => row.statusDetails,
    }),
    errorDetails: t.field({
      type: 'JSON',
      nullable: true,
      description:
        'Why it failed, free-form (e.g. `message`, `exit_code`); null unless the status is ERROR (or a failure was recorded).',
      resolve: (row) => row.errorDetails,
    }),
    createdAt: t.field({ type: 'DateTime', description: say.createdAt, resolve: (row) => row.createdAt }),
    updatedAt: t.field({ type: 'DateTime', description: say.updatedAt, resolve: (row) => row.updatedAt }),
  };
}

/**
 * A field of type Job may resolve to a job id: the request's job loader then loads it, batched.
 * Its `id` is a global id (`Node`); the platform's own id is `jobId`.
 */
export const JobRef = builder.loadableNodeRef('Job', {
  id: {
    resolve: (job) => job.id,
    description: 'The job’s global id (for `node` and client caches); the platform’s id is `jobId`.',
  },
  load: (ids: string[], { jobs }: GraphQLContext) => jobs.getMany(ids),
  sort: (job) => job.id,
});
/** Loaded by id only through `node`/`nodes`; `Job.steps` has its rows already. */
export const JobStepRef = builder.loadableNodeRef('JobStep', {
  id: {
    resolve: (step: JobStepRow) => step.id,
    description: 'The step’s global id (for `node` and client caches); the platform’s id is `stepId`.',
  },
  load: (ids: string[], { jobs }: GraphQLContext) => jobs.getSteps(ids),
  sort: (step) => step.id,
});

/** The access policy's operation behind each action on a job. */
const actionOperation: Record<JobAction, Operation> = {
  pause: 'jobs.control',
  resume: 'jobs.control',
  cancel: 'jobs.control',
  delete: 'jobs.delete',
};

JobStepRef.implement({
  description: 'A step of a job and its runtime status.',
  fields: (t) => ({
    stepId: t.exposeString('id', {
      description: 'The platform’s id of the step, as REST shows it (`steps[].id` of `…/status`).',
    }),
    name: t.exposeString('name', { description: 'The step’s name, unique within its job.' }),
    ...runtimeStatusFields(t, {
      status: 'The step’s own status; the job’s status is derived from its steps’.',
      createdAt: 'When the step was created, with its job (UTC).',
      updatedAt: 'When the step last changed (UTC).',
    }),
    spec: t.field({
      type: StepSpecRef,
      description: 'What the step runs, as it was created.',
      resolve: stepSpecOf,
    }),
  }),
});

JobRef.implement({
  description:
    'A job: steps run one after another by an executor, with a status that pause, resume and cancel change. Read with `job`, `jobs` or `node`.',
  fields: (t) => ({
    jobId: t.exposeString('id', {
      description: 'The platform’s id of the job, as REST and the platform’s SDK show it (`id`).',
    }),
    attemptId: t.exposeString('attemptId', { description: 'The id of the job’s current attempt.' }),
    name: t.exposeString('name', {
      description: 'The job’s name, unique within its workspace; REST paths use it.',
    }),
    workspace: t.exposeString('workspace', { description: 'The workspace the job belongs to.' }),
    project: t.exposeString('project', {
      nullable: true,
      description: 'The project the job was filed under; null when none was given.',
    }),
    description: t.exposeString('description', {
      nullable: true,
      description: 'Free text from the job’s creator; null when none was given.',
    }),
    source: t.exposeString('source', {
      description: 'Where the job came from (a repository, a tool, `ui`), as its creator said.',
    }),
    spec: t.expose('spec', {
      type: 'JSON',
      description: 'The job’s own configuration, free-form, with its keys exactly as sent.',
    }),
    platformSpec: t.field({
      type: JobSpecRef,
      description: 'How the platform runs the job: its steps, in order.',
      resolve: (job) => ({ steps: job.steps.map(stepSpecOf) }),
    }),
    fileset: t.string({
      description: 'The name of the job’s fileset (`job-fileset-<name>`), where its files are kept.',
      resolve: filesetOf,
    }),
    ...runtimeStatusFields(t, {
      status: 'Where the job is in its lifecycle, derived from its steps.',
      createdAt: 'When the job was created (UTC).',
      updatedAt: 'When the job or one of its steps last changed (UTC).',
    }),
    ownership: t.expose('ownership', {
      type: 'JSON',
      description:
        'Who owns the job, free-form; with access control on, `created_by` names the principal that created it.',
    }),
    customFields: t.expose('customFields', {
      type: 'JSON',
      description: 'The creator’s own fields, free-form, kept as sent.',
    }),
    steps: t.expose('steps', {
      type: [JobStepRef],
      description: 'The job’s steps with their runtime status, in the order they run.',
    }),
    allowedActions: t.field({
      type: [JobActionEnum],
      description:
        'The actions that would change the job now and that the caller may take, for enabling buttons in a UI.',
      resolve: async (job, _, { access, principal }) => {
        const actions = allowedActions(job.status);
        const allowed = await Promise.all(
          actions.map((action) => access.allows(principal, job.workspace, actionOperation[action])),
        );
        return actions.filter((_, i) => allowed[i]);
      },
    }),
  }),
});

/**
 * A page of a connection; its cursors bound the page, and are null when it is empty. `totalCount`
 * is the number, or how to count when the field is asked for.
 */
export function connection<T>(
  edges: { cursor: string; node: T }[],
  { hasNextPage, hasPreviousPage }: { hasNextPage: boolean; hasPreviousPage: boolean },
  totalCount: TotalCount,
) {
  const pageInfo = {
    hasNextPage,
    hasPreviousPage,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges.at(-1)?.cursor ?? null,
  };
  return { edges, pageInfo, totalCount };
}

/**
 * `totalCount` of a connection: `what` completes "How many … there are over all pages". A page
 * that counts only when asked carries the counting instead of the number.
 */
export const totalCountField = (what: string) => ({
  description: `How many ${what} there are over all pages (not just this one).`,
  resolve: ({ totalCount }: { totalCount: TotalCount }) =>
    typeof totalCount === 'function' ? totalCount() : totalCount,
});

const JobConnectionRef = builder.connectionObject(
  {
    type: JobRef,
    name: 'JobConnection',
    description: 'A page of a workspace’s jobs.',
    // Counted only when asked for: a page alone is a short index scan, a count is not always.
    fields: (t) => ({ totalCount: t.int(totalCountField('jobs match the filter')) }),
  },
  { description: 'A job and its cursor in the list.' },
);

const JobOrderFieldEnum = builder.enumType('JobOrderField', {
  description: 'What jobs are ordered by; ties are broken by the job id, so the order is stable.',
  values: upperCased(JOB_SORT_FIELDS, {
    created_at: 'When the job was created.',
    updated_at: 'When the job last changed.',
    source: 'The job’s `source`, alphabetically.',
  }),
});
const OrderDirectionEnum = builder.enumType('OrderDirection', {
  description: 'Which way an order runs.',
  values: {
    ASC: { description: 'Smallest (oldest, first alphabetically) first.' },
    DESC: { description: 'Largest (newest, last alphabetically) first.' },
  } as const,
});

const JobOrderBy = builder.inputType('JobOrderBy', {
  description: 'How `jobs` are ordered; without it, newest created first.',
  fields: (t) => ({
    field: t.field({ type: JobOrderFieldEnum, required: true, description: 'What to order by.' }),
    direction: t.field({
      type: OrderDirectionEnum,
      defaultValue: 'ASC',
      description: 'Which way; ASC when not given.',
    }),
  }),
});

/** The input fields that bound each time field of the domain's list filter: at or after, at or before. */
const TIME_FILTER_INPUTS = {
  created_at: { after: 'createdAfter', before: 'createdBefore' },
  updated_at: { after: 'updatedAfter', before: 'updatedBefore' },
} as const satisfies Record<TimeFilterField, { after: string; before: string }>;

const JobFilter = builder.inputType('JobFilter', {
  description: 'Every given field must match; a list matches any of its values.',
  fields: (t) => ({
    ...({
      status: t.field({ type: [JobStatusEnum], description: 'Jobs in any of these statuses.' }),
      source: t.stringList({ description: 'Jobs with any of these sources (exact match).' }),
      project: t.stringList({ description: 'Jobs of any of these projects (exact match).' }),
      name: t.stringList({ description: 'Jobs with any of these names (exact match).' }),
    } satisfies Record<ListFilterField, unknown>),
    createdAfter: t.field({ type: 'DateTime', description: 'Created at or after.' }),
    createdBefore: t.field({ type: 'DateTime', description: 'Created at or before.' }),
    updatedAfter: t.field({ type: 'DateTime', description: 'Updated at or after.' }),
    updatedBefore: t.field({ type: 'DateTime', description: 'Updated at or before.' }),
  }),
});
type JobFilterInput = typeof JobFilter.$inferInput;

/** The GraphQL filter in the domain's terms. */
function listFilterOf(f: JobFilterInput | null | undefined): JobListFilter {
  const filter: JobListFilter = {};
  if (!f) return filter;
  for (const field of JOB_LIST_FILTER_FIELDS) {
    const values = f[field];
    if (values) (filter as Record<ListFilterField, unknown>)[field] = values;
  }
  for (const field of JOB_TIME_FILTER_FIELDS) {
    const { after, before } = TIME_FILTER_INPUTS[field];
    filter[field] = { gte: f[after] ?? undefined, lte: f[before] ?? undefined };
  }
  return filter;
}

/** Job list cursors carry the sort they were made under, so a cursor from another order is refused. */
function encodeJobCursor(field: SortField, key: JobKey): string {
  const value = key.value instanceof Date ? key.value.toISOString() : key.value;
  return Buffer.from(JSON.stringify([field, value, key.id])).toString('base64url');
}

/** The position a cursor names in jobs ordered by `field`; undefined when it names none. */
function decodeJobCursor(cursor: string, field: SortField): JobKey | undefined {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 3) return undefined;
  const [f, value, id] = decoded as unknown[];
  if (f !== field || typeof value !== 'string' || typeof id !== 'string') return undefined;
  if (field === 'source') return { value, id };
  // A time that does not parse would reach the database as a bad timestamp.
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : { value: time.toISOString(), id };
}

const MAX_PAGE = 100;

builder.queryFields((t) => ({
  job: t.field({
    type: JobRef,
    nullable: true,
    description:
      'One job by workspace and name; null when there is none. A caller who may not read the workspace gets null and a FORBIDDEN error, whether the job exists or not.',
    authScopes: (_, { workspace }) => needs(workspace, 'jobs.read'),
    args: {
      workspace: t.arg.string({ required: true, description: WORKSPACE_ARG }),
      name: t.arg.string({ required: true, description: 'The job’s name.' }),
    },
    resolve: (_, { workspace, name }, { jobs }) =>
      jobs.get(workspace, name).catch((error) => {
        if (error instanceof JobNotFoundError) return null;
        throw error;
      }),
  }),
  jobs: t.field({
    type: JobConnectionRef,
    description: `Jobs of a workspace, newest first unless ordered otherwise. At most ${MAX_PAGE} per page.`,
    args: {
      workspace: t.arg.string({ required: true, description: WORKSPACE_ARG }),
      filter: t.arg({ type: JobFilter, description: 'Only the jobs that match; all when not given.' }),
      orderBy: t.arg({ type: JobOrderBy, description: 'The order; newest created first when not given.' }),
      first: t.arg.int({
        description: `How many jobs from the start, or after \`after\` (0–${MAX_PAGE}); 20 when neither \`first\` nor \`last\` is given.`,
        validate: pageSize(MAX_PAGE),
      }),
      after: t.arg.string({ description: 'Only jobs after this cursor (made under the same order).' }),
      last: t.arg.int({
        description: `How many jobs from the end, or before \`before\` (0–${MAX_PAGE}); not with \`first\`.`,
        validate: pageSize(MAX_PAGE),
      }),
      before: t.arg.string({ description: 'Only jobs before this cursor (made under the same order).' }),
    },
    validate: firstOrLast,
    authScopes: (_, { workspace }) => needs(workspace, 'jobs.read'),
    resolve: async (_, args, { jobs }) => {
      const field: SortField = args.orderBy?.field ?? 'created_at';
      const position = (argument: 'after' | 'before') => {
        const cursor = args[argument];
        if (!cursor) return undefined;
        const key = decodeJobCursor(cursor, field);
        if (!key) throw invalidCursor('jobs', argument, cursor);
        return key;
      };
      const descending = args.orderBy ? args.orderBy.direction === 'DESC' : true;
      const {
        jobs: page,
        hasMore,
        count,
      } = await jobs.page(args.workspace, {
        filter: listFilterOf(args.filter),
        sort: { field, descending },
        after: position('after'),
        before: position('before'),
        take: args.last != null ? { last: args.last } : { first: args.first ?? 20 },
      });
      // Each cursor is made only if asked for: a page of `nodes` needs none but the two ends'.
      const edges = page.map((job) => ({
        node: job,
        get cursor() {
          return encodeJobCursor(field, keyOf(job, field));
        },
      }));
      return args.last != null
        ? connection(edges, { hasNextPage: !!args.before, hasPreviousPage: hasMore }, count)
        : connection(edges, { hasNextPage: hasMore, hasPreviousPage: !!args.after }, count);
    },
  }),
}));
