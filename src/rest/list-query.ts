/**
 * The list endpoints' query string: `page`, `page_size`, `sort` and bracket filters
 * (`filter[status]=paused,pausing`, `filter[created_at][$gte]=…`), where a comma means "any of",
 * as the upstream SDK sends lists.
 */
import { z } from 'zod';
import { JOB_STATUSES, type JobStatus } from '../jobs/lifecycle.js';
import type { JobListFilter, SortField, TimeRange } from '../jobs/job-query.js';
import { RequestValidationError, parseOr422, type ValidationDetail } from './validation.js';

/** An unknown filter field: a 400, as upstream. */
export class UnknownFilterError extends Error {
  constructor(field: string, known: readonly string[]) {
    super(`Unknown filter field '${field}'. Filterable fields: ${known.join(', ')}.`);
  }
}

const integer = (min: number, max: number, fallback: number) =>
  z
    .preprocess(
      (v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v),
      z.number().int().min(min).max(max),
    )
    .default(fallback);

export const SORT_VALUES = [
  'created_at',
  '-created_at',
  'updated_at',
  '-updated_at',
  'source',
  '-source',
] as const;

export const pageQuery = z.object({
  page: integer(1, 1_000_000, 1),
  page_size: integer(1, 1000, 10),
});

export const jobListQuery = pageQuery.extend({
  sort: z.enum(SORT_VALUES).default('-created_at'),
});

const statusList = z.array(z.enum(JOB_STATUSES));
const timestamp = z.iso.datetime({ offset: true, local: true }).or(z.iso.date());

/** Times without an offset are UTC, like every time the API shows; `new Date` would read them as server-local. */
const utcDate = (value: string) => new Date(/T[^Z+-]*$/.test(value) ? `${value}Z` : value);

const LIST_FIELDS = ['status', 'source', 'project', 'name'] as const;
const TIME_FIELDS = ['created_at', 'updated_at'] as const;
const TIME_OPS = { $gte: 'gte', $lte: 'lte', $gt: 'gt', $lt: 'lt' } as const;

export interface ParsedFilter {
  filter: JobListFilter;
  /** The filter as the client sent it, echoed back in the list envelope. */
  echo: Record<string, unknown>;
}

function parseFilterKey(key: string): { field: string; op?: string } | undefined {
  const match = /^filter\[([^\]]+)\](?:\[([^\]]+)\])?$/.exec(key);
  return match ? { field: match[1], op: match[2] } : undefined;
}

const splitList = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');

/** Reads `filter[…]` parameters for the given fields; unknown fields are a 400, bad values a 422. */
export function parseFilter(
  params: URLSearchParams,
  known: readonly string[] = [...LIST_FIELDS, ...TIME_FIELDS],
): ParsedFilter {
  const filter: JobListFilter = {};
  const echo: Record<string, unknown> = {};
  const problems: ValidationDetail[] = [];
  for (const [key, value] of params) {
    const parsed = parseFilterKey(key);
    if (!parsed) continue;
    const { field, op } = parsed;
    if (!known.includes(field)) throw new UnknownFilterError(field, known);
    if ((TIME_FIELDS as readonly string[]).includes(field)) {
      const bound = op && TIME_OPS[op as keyof typeof TIME_OPS];
      if (!bound) {
        problems.push({
          type: 'value_error',
          loc: ['query', key],
          msg: `Value error, use ${field} with one of ${Object.keys(TIME_OPS).join(', ')}, e.g. filter[${field}][$gte]`,
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
      const range = ((filter as Record<string, TimeRange>)[field] ??= {});
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
      filter.status = [...(filter.status ?? []), ...(statuses.data as JobStatus[])];
    } else {
      (filter as Record<string, string[]>)[field] = [
        ...((filter as Record<string, string[]>)[field] ?? []),
        ...values,
      ];
    }
    // A repeated filter widens the match, so the echo shows every value given.
    echo[field] = echo[field] === undefined ? value : `${echo[field]},${value}`;
  }
  if (problems.length > 0) throw new RequestValidationError(problems);
  return { filter, echo };
}

export function parseSort(sort: (typeof SORT_VALUES)[number]): { field: SortField; descending: boolean } {
  return sort.startsWith('-')
    ? { field: sort.slice(1) as SortField, descending: true }
    : { field: sort as SortField, descending: false };
}

export function parsePaging<S extends typeof pageQuery | typeof jobListQuery>(
  schema: S,
  params: URLSearchParams,
): z.infer<S> {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = params.get(key);
    if (value !== null) raw[key] = value;
  }
  return parseOr422(schema, raw, 'query') as z.infer<S>;
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
