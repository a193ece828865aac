/** The Job type, its runtime steps, and the `job` and `jobs` queries. */
import type { Operation } from '../../access/index.js';
import type { JobStepRow } from '../../jobs/tables.js';
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
import { keyOf, type JobKey } from '../../jobs/repository.js';
import { filesetOf, stepSpecOf } from '../../jobs/views.js';
import { firstOrLast, invalidCursor, pageSize } from '../argument-errors.js';
import { needs } from '../auth-scopes.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { JobActionEnum, JobStatusEnum, upperCased } from './enums.js';
import { JobSpecRef, StepSpecRef } from './job-spec.js';

/**
 * A field of type Job may resolve to a job id: the request's job loader then loads it, batched.
 * Its `id` is a global id (`Node`); the platform's own id is `jobId`.
 */
export const JobRef = builder.loadableNodeRef('Job', {
  id: { resolve: (job) => job.id },
  load: (ids: string[], { jobs }: GraphQLContext) => jobs.getMany(ids),
  sort: (job) => job.id,
});
/** Loaded by id only through `node`/`nodes`; `Job.steps` has its rows already. */
export const JobStepRef = builder.loadableNodeRef('JobStep', {
  id: { resolve: (step: JobStepRow) => step.id },
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
    stepId: t.exposeString('id'),
    name: t.exposeString('name'),
    status: t.expose('status', { type: JobStatusEnum }),
    statusDetails: t.expose('statusDetails', { type: 'JSON' }),
    errorDetails: t.expose('errorDetails', { type: 'JSON', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    spec: t.field({ type: StepSpecRef, resolve: stepSpecOf }),
  }),
});

JobRef.implement({
  fields: (t) => ({
    jobId: t.exposeString('id'),
    attemptId: t.exposeString('attemptId'),
    name: t.exposeString('name'),
    workspace: t.exposeString('workspace'),
    project: t.exposeString('project', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    source: t.exposeString('source'),
    spec: t.expose('spec', { type: 'JSON' }),
    platformSpec: t.field({ type: JobSpecRef, resolve: (job) => ({ steps: job.steps.map(stepSpecOf) }) }),
    fileset: t.string({ resolve: filesetOf }),
    status: t.expose('status', { type: JobStatusEnum }),
    statusDetails: t.expose('statusDetails', { type: 'JSON' }),
    errorDetails: t.expose('errorDetails', { type: 'JSON', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    ownership: t.expose('ownership', { type: 'JSON' }),
    customFields: t.expose('customFields', { type: 'JSON' }),
    steps: t.expose('steps', { type: [JobStepRef] }),
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

/** A page of a connection; its cursors bound the page, and are null when it is empty. */
export function connection<T>(
  edges: { cursor: string; node: T }[],
  { hasNextPage, hasPreviousPage }: { hasNextPage: boolean; hasPreviousPage: boolean },
  totalCount: number,
) {
  const pageInfo = {
    hasNextPage,
    hasPreviousPage,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges.at(-1)?.cursor ?? null,
  };
  return { edges, pageInfo, totalCount };
}

const JobConnectionRef = builder.connectionObject({
  type: JobRef,
  name: 'JobConnection',
  fields: (t) => ({ totalCount: t.exposeInt('totalCount') }),
});

const JobOrderFieldEnum = builder.enumType('JobOrderField', { values: upperCased(JOB_SORT_FIELDS) });
const OrderDirectionEnum = builder.enumType('OrderDirection', { values: ['ASC', 'DESC'] as const });

const JobOrderBy = builder.inputType('JobOrderBy', {
  fields: (t) => ({
    field: t.field({ type: JobOrderFieldEnum, required: true }),
    direction: t.field({ type: OrderDirectionEnum, defaultValue: 'ASC' }),
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
      status: t.field({ type: [JobStatusEnum] }),
      source: t.stringList(),
      project: t.stringList(),
      name: t.stringList(),
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
    authScopes: (_, { workspace }) => needs(workspace, 'jobs.read'),
    args: {
      workspace: t.arg.string({ required: true }),
      name: t.arg.string({ required: true }),
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
      workspace: t.arg.string({ required: true }),
      filter: t.arg({ type: JobFilter }),
      orderBy: t.arg({ type: JobOrderBy }),
      first: t.arg.int({ validate: pageSize(MAX_PAGE) }),
      after: t.arg.string(),
      last: t.arg.int({ validate: pageSize(MAX_PAGE) }),
      before: t.arg.string(),
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
        total,
      } = await jobs.page(args.workspace, {
        filter: listFilterOf(args.filter),
        sort: { field, descending },
        after: position('after'),
        before: position('before'),
        take: args.last != null ? { last: args.last } : { first: args.first ?? 20 },
      });
      const edges = page.map((job) => ({ cursor: encodeJobCursor(field, keyOf(job, field)), node: job }));
      return args.last != null
        ? connection(edges, { hasNextPage: !!args.before, hasPreviousPage: hasMore }, total)
        : connection(edges, { hasNextPage: hasMore, hasPreviousPage: !!args.after }, total);
    },
  }),
}));
