/**
 * What a list of jobs can be filtered and sorted by, in the API's field names: the one list that
 * REST's query parsing and its documented parameters, the GraphQL enums and the repository's SQL
 * derive from.
 */
import type { JobStatus } from './lifecycle.js';
import type { JobRow } from './tables.js';

/** Which workspaces a listing covers: one, any of several (none: nothing), or undefined for all. */
export type Workspaces = string | readonly string[] | undefined;

/** The fields a job list sorts by, either way; ties are broken by id. */
export const JOB_SORT_FIELDS = ['created_at', 'updated_at', 'source'] as const;
export type SortField = (typeof JOB_SORT_FIELDS)[number];

/** The fields a filter matches against a list of values: a job matches any of them. */
export const JOB_LIST_FILTER_FIELDS = ['status', 'source', 'project', 'name'] as const;
export type ListFilterField = (typeof JOB_LIST_FILTER_FIELDS)[number];

/** The fields a filter bounds with a time range. */
export const JOB_TIME_FILTER_FIELDS = ['created_at', 'updated_at'] as const;
export type TimeFilterField = (typeof JOB_TIME_FILTER_FIELDS)[number];

export type JobFilterField = ListFilterField | TimeFilterField;
export const JOB_FILTER_FIELDS: readonly JobFilterField[] = [
  ...JOB_LIST_FILTER_FIELDS,
  ...JOB_TIME_FILTER_FIELDS,
];

/** A time range's bounds: at or after, at or before, after, before. */
export const TIME_BOUNDS = ['gte', 'lte', 'gt', 'lt'] as const;
export type TimeBound = (typeof TIME_BOUNDS)[number];
export type TimeRange = Partial<Record<TimeBound, Date>>;

/** Every given field must match. */
export type JobListFilter = { status?: JobStatus[] } & {
  [F in Exclude<ListFilterField, 'status'>]?: string[];
} & { [F in TimeFilterField]?: TimeRange };

/** The job row field behind each API field: the column a filter or a sort reads. */
export const JOB_ROW_KEYS = {
  status: 'status',
  source: 'source',
  project: 'project',
  name: 'name',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
} as const satisfies Record<SortField | JobFilterField, keyof JobRow>;
