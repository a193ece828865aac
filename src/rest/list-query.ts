/**
 * The list endpoints' query string: `page`, `page_size`, `sort` and bracket filters
 * (`filter[status]=paused,pausing`, `filter[created_at][$gte]=…`), where a comma means "any of",
 * as the upstream SDK sends lists. Each parameter is one zod schema that both checks and documents
 * it; the sort and filter fields are the jobs domain's (../jobs/job-query.ts).
 */
import { z } from 'zod';
import {
  JOB_FILTER_FIELDS,
  JOB_SORT_FIELDS,
  JOB_TIME_FILTER_FIELDS,
  TIME_BOUNDS,
  type JobFilterField,
  type JobListFilter,
  type SortField,
  type TimeBound,
  type TimeFilterField,
  type TimeRange,
} from '../jobs/job-query.js';
import { JOB_STATUSES } from '../jobs/lifecycle.js';
import { queryInteger, queryString } from './query.js';
import { RequestValidationError, type ValidationDetail } from './validation.js';

/**
 * Filters the REST door takes besides the job list's own fields: a job listing's `workspace` (with
 * `-` as the path's workspace, it narrows the caller's readable workspaces) and a step listing's
 * `job` (a job's name or id).
 */
type RestFilterField = 'workspace' | 'job';
export type FilterField = JobFilterField | RestFilterField;
export type RestListFilter = JobListFilter & { [F in RestFilterField]?: string[] };

/** An unknown filter field: a 400, as upstream. */
export class UnknownFilterError extends Error {
  constructor(field: string, known: readonly string[]) {
    super(`Unknown filter field '${field}'. Filterable fields: ${known.join(', ')}.`);
  }
}

type SortValue = SortField | `-${SortField}`;
/** Each sort field, ascending, then descending (a leading `-`). */
export const SORT_VALUES = JOB_SORT_FIELDS.flatMap((field): SortValue[] => [field, `-${field}`]) as [
  SortValue,
  ...SortValue[],
];

/** A time bound as a query operator: `filter[created_at][$gte]`. */
const operatorOf = (bound: TimeBound) => `$${bound}` as const;
const BOUND_WORDS: Record<TimeBound, string> = { gte: '≥', lte: '≤', gt: '>', lt: '<' };

const isTimeField = (field: string): field is TimeFilterField =>
  (JOB_TIME_FILTER_FIELDS as readonly string[]).includes(field);

/**
 * One filter parameter, documented as the string it is. A repeated one arrives as an array and
 * widens the match; `parseFilter` reads each value, so the schema lets both through.
 */
const filterParameter = (description: string, example?: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe(description)
    .meta({ type: 'string', ...(example && { examples: [example] }) });

/** The documented `filter[…]` parameters of the given fields. */
function filterParameters(fields: readonly FilterField[]) {
  const parameters: Record<`filter[${string}]`, ReturnType<typeof filterParameter>> = {};
  for (const field of fields) {
    if (isTimeField(field)) {
      for (const bound of TIME_BOUNDS) {
        parameters[`filter[${field}][${operatorOf(bound)}]`] = filterParameter(
          `Only jobs whose ${field} is ${BOUND_WORDS[bound]} this ISO-8601 date or date-time.`,
          '2025-01-31T00:00:00Z',
        );
      }
    } else if (field === 'status') {
      parameters[`filter[${field}]`] = filterParameter(
        `One status, or several separated by commas (any of): ${JOB_STATUSES.join(', ')}.`,
        'paused,pausing',
      );
    } else {
      parameters[`filter[${field}]`] = filterParameter(
        `One ${field}, or several separated by commas (any of).`,
      );
    }
  }
  return parameters;
}

const paging = {
  page: queryInteger(1, 1_000_000).default(1).describe('The page to return, from 1.'),
  page_size: queryInteger(1, 1000).default(10).describe('How many results a page holds.'),
};

/** The filters a job list takes. */
export const JOB_LIST_FIELDS: readonly FilterField[] = [...JOB_FILTER_FIELDS, 'workspace'];

/** The filters a step list takes. */
export const STEP_FILTER_FIELDS = ['job', 'status', 'source'] as const satisfies readonly FilterField[];

/** `GET …/jobs`; filters of unknown fields pass through to `parseFilter`, which refuses them. */
export const jobListQuery = z.looseObject({
  ...paging,
  sort: queryString(z.enum(SORT_VALUES))
    .default('-created_at')
    .describe('The field to sort by; a leading `-` sorts descending.'),
  ...filterParameters(JOB_LIST_FIELDS),
});

/** How steps (and results) sort: by when they were created or last changed, either way. */
export const STEP_SORT_VALUES = ['created_at', '-created_at', 'updated_at', '-updated_at'] as const;
export type StepSort = (typeof STEP_SORT_VALUES)[number];

/** `GET …/jobs/{name}/steps`. */
export const stepListQuery = z.looseObject({
  ...paging,
  page_size: queryInteger(1, 1000).default(25).describe('How many results a page holds.'),
  sort: queryString(z.enum(STEP_SORT_VALUES))
    .default('created_at')
    .describe(
      'The field to sort by; a leading `-` sorts descending. A step’s created_at is its job’s; ties keep job and step order.',
    ),
  ...filterParameters(STEP_FILTER_FIELDS),
});

const statusList = z.array(z.enum(JOB_STATUSES));
const timestamp = z.iso.datetime({ offset: true, local: true }).or(z.iso.date());

/** Times without an offset are UTC, like every time the API shows; `new Date` would read them as server-local. */
const utcDate = (value: string) => new Date(/T[^Z+-]*$/.test(value) ? `${value}Z` : value);

export interface ParsedFilter {
  filter: RestListFilter;
  /** The filter as the client sent it, echoed back in the list envelope. */
  echo: Record<string, unknown>;
}

function parseFilterKey(key: string): { field: string; op?: string } | undefined {
  const match = /^filter\[([^\]]+)\](?:\[([^\]]+)\])?$/.exec(key);
  return match ? { field: match[1]!, op: match[2] } : undefined;
}

const boundOf = (op: string | undefined) => TIME_BOUNDS.find((bound) => operatorOf(bound) === op);

const splitList = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');

/**
 * Reads the `filter[…]` parameters of a checked query for the given fields; unknown fields are a
 * 400, bad values a 422.
 */
export function parseFilter(query: Record<string, unknown>, known: readonly FilterField[]): ParsedFilter {
  const filter: RestListFilter = {};
  const echo: Record<string, unknown> = {};
  const problems: ValidationDetail[] = [];
  for (const [key, given] of Object.entries(query)) {
    const parsed = parseFilterKey(key);
    if (!parsed || given === undefined) continue;
    const { field, op } = parsed;
    if (!(known as readonly string[]).includes(field)) throw new UnknownFilterError(field, known);
    for (const value of [given].flat() as string[]) {
      if (isTimeField(field)) {
        const bound = boundOf(op);
        if (!bound) {
          problems.push({
            type: 'value_error',
            loc: ['query', key],
            msg: `Value error, use ${field} with one of ${TIME_BOUNDS.map(operatorOf).join(', ')}, e.g. filter[${field}][$gte]`,
            input: value,
          });
          continue;
        }
        if (!timestamp.safeParse(value).success) {
          problems.push({
            type: 'datetime_from_date_parsing',
            loc: ['query', key],
            msg: 'Input should be a valid datetime or date',
            input: value,
          });
          continue;
        }
        const range: TimeRange = (filter[field] ??= {});
        range[bound] = utcDate(value);
        echo[field] = { ...(echo[field] as object), [op!]: value };
        continue;
      }
      if (op) {
        problems.push({
          type: 'value_error',
          loc: ['query', key],
          msg: `Value error, filter[${field}] takes no operator`,
          input: value,
        });
        continue;
      }
      const values = splitList(value);
      // `filter[source]=` filters nothing: an empty list is taken as no filter, not as "match none".
      if (values.length === 0) continue;
      if (field === 'status') {
        const statuses = statusList.safeParse(values);
        if (!statuses.success) {
          const bad = values.find((v) => !(JOB_STATUSES as readonly string[]).includes(v));
          problems.push({
            type: 'enum',
            loc: ['query', key],
            msg: `Input should be ${JOB_STATUSES.map((s) => `'${s}'`).join(', ')}`,
            input: bad,
            ctx: { expected: JOB_STATUSES.join(', ') },
          });
          continue;
        }
        filter.status = [...(filter.status ?? []), ...statuses.data];
      } else {
        const listField = field as Exclude<FilterField, TimeFilterField | 'status'>;
        filter[listField] = [...(filter[listField] ?? []), ...values];
      }
      // A repeated filter widens the match, so the echo shows every value given.
      const echoed = echo[field];
      echo[field] = echoed === undefined ? value : `${echoed as string},${value}`;
    }
  }
  if (problems.length > 0) throw new RequestValidationError(problems);
  return { filter, echo };
}

export function parseSort(sort: SortValue): { field: SortField; descending: boolean } {
  return sort.startsWith('-')
    ? { field: sort.slice(1) as SortField, descending: true }
    : { field: sort as SortField, descending: false };
}

export function pagination(page: number, pageSize: number, currentPageSize: number, total: number) {
  return {
    page,
    page_size: pageSize,
    current_page_size: currentPageSize,
    total_pages: Math.max(1, Math.ceil(total / pageSize)),
    total_results: total,
  };
}
