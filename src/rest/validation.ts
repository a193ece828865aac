/**
 * FastAPI-compatible 422 bodies: `{"detail": [{type, loc, msg, input, ctx?}]}` built from zod
 * issues, with the types and sentences pydantic uses, so clients written for the upstream
 * platform read our errors as they read its own.
 */
import type { Hook } from '@hono/zod-openapi';
import type { z } from 'zod';
import { findUnstorableInput, UNSTORABLE_MESSAGES } from '../support/storable-input.js';

export type LocRoot = 'body' | 'query' | 'path' | 'header';

export interface ValidationDetail {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** Thrown by a handler when a request part fails its schema; rendered as a 422. */
export class RequestValidationError extends Error {
  constructor(readonly detail: ValidationDetail[]) {
    super('Request validation failed');
  }
}

const valueAt = (input: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (value, key) =>
      value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined,
    input,
  );

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const typeNames: Record<string, [string, string]> = {
  string: ['string_type', 'Input should be a valid string'],
  number: ['float_type', 'Input should be a valid number'],
  int: ['int_type', 'Input should be a valid integer'],
  boolean: ['bool_type', 'Input should be a valid boolean'],
  object: ['dict_type', 'Input should be a valid dictionary'],
  record: ['dict_type', 'Input should be a valid dictionary'],
  array: ['list_type', 'Input should be a valid list'],
};

function describe(
  issue: z.core.$ZodIssue,
  input: unknown,
): Omit<ValidationDetail, 'loc'> & { path: PropertyKey[] } {
  const path = [...issue.path];
  const value = valueAt(input, path);
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) {
        return { path, type: 'missing', msg: 'Field required', input: valueAt(input, path.slice(0, -1)) };
      }
      if ((issue.expected === 'number' || issue.expected === 'int') && typeof value === 'string') {
        return {
          path,
          type: 'int_parsing',
          msg: 'Input should be a valid integer, unable to parse string as an integer',
          input: value,
        };
      }
      if (issue.expected === 'int' && typeof value === 'number') {
        return {
          path,
          type: 'int_from_float',
          msg: 'Input should be a valid integer, got a number with a fractional part',
          input: value,
        };
      }
      const [type, msg] = typeNames[issue.expected] ?? [
        'type_error',
        `Input should be a valid ${issue.expected}`,
      ];
      return { path, type, msg, input: value };
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') {
        return {
          path,
          type: 'string_too_short',
          msg: `String should have at least ${plural(min, 'character')}`,
          input: value,
          ctx: { min_length: min },
        };
      }
      if (issue.origin === 'array') {
        const actual = Array.isArray(value) ? value.length : 0;
        return {
          path,
          type: 'too_short',
          msg: `List should have at least ${plural(min, 'item')} after validation, not ${actual}`,
          input: value,
          ctx: { field_type: 'List', min_length: min, actual_length: actual },
        };
      }
      return {
        path,
        type: 'greater_than_equal',
        msg: `Input should be greater than or equal to ${min}`,
        input: value,
        ctx: { ge: min },
      };
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') {
        return {
          path,
          type: 'string_too_long',
          msg: `String should have at most ${plural(max, 'character')}`,
          input: value,
          ctx: { max_length: max },
        };
      }
      if (issue.origin === 'array') {
        const actual = Array.isArray(value) ? value.length : 0;
        return {
          path,
          type: 'too_long',
          msg: `List should have at most ${plural(max, 'item')} after validation, not ${actual}`,
          input: value,
          ctx: { field_type: 'List', max_length: max, actual_length: actual },
        };
      }
      return {
        path,
        type: 'less_than_equal',
        msg: `Input should be less than or equal to ${max}`,
        input: value,
        ctx: { le: max },
      };
    }
    case 'invalid_format': {
      if (issue.format === 'regex') {
        const pattern = (issue as { pattern?: string }).pattern?.replace(/^\/|\/[a-z]*$/g, '') ?? '';
        return {
          path,
          type: 'string_pattern_mismatch',
          msg: `String should match pattern '${pattern}'`,
          input: value,
          ctx: { pattern },
        };
      }
      return { path, type: 'value_error', msg: `Value error, ${issue.message}`, input: value };
    }
    case 'invalid_union': {
      const tagged = issue as { discriminator?: string; options?: unknown[] };
      if (tagged.discriminator) {
        // pydantic reports a bad tag at the union itself, not at the tag field.
        const unionPath = path.slice(0, -1);
        const expected = (tagged.options ?? []).map((o) => `'${String(o)}'`).join(', ');
        if (value === undefined) {
          return {
            path: unionPath,
            type: 'union_tag_not_found',
            msg: `Unable to extract tag using discriminator '${tagged.discriminator}'`,
            input: valueAt(input, unionPath),
            ctx: { discriminator: `'${tagged.discriminator}'` },
          };
        }
        const tag = typeof value === 'string' ? value : JSON.stringify(value);
        return {
          path: unionPath,
          type: 'union_tag_invalid',
          msg: `Input tag '${tag}' found using '${tagged.discriminator}' does not match any of the expected tags: ${expected}`,
          input: valueAt(input, unionPath),
          ctx: { discriminator: `'${tagged.discriminator}'`, tag, expected_tags: expected },
        };
      }
      return { path, type: 'union_error', msg: issue.message, input: value };
    }
    case 'invalid_value': {
      // zod reports an absent enum field as a bad value; pydantic (and so the SDK) calls it missing.
      if (value === undefined) {
        return { path, type: 'missing', msg: 'Field required', input: valueAt(input, path.slice(0, -1)) };
      }
      const expected = issue.values.map((v) => `'${String(v)}'`);
      const list =
        expected.length > 1 ? `${expected.slice(0, -1).join(', ')} or ${expected.at(-1)}` : expected[0];
      return { path, type: 'enum', msg: `Input should be ${list}`, input: value, ctx: { expected: list } };
    }
    default:
      return {
        path,
        type: 'value_error',
        msg: `Value error, ${issue.message}`,
        input: value,
        ctx: { error: issue.message },
      };
  }
}

export function validationDetails(error: z.ZodError, root: LocRoot, input: unknown): ValidationDetail[] {
  return error.issues.map((issue) => {
    const { path, ...rest } = describe(issue, input);
    return {
      type: rest.type,
      loc: [root, ...(path as (string | number)[])],
      msg: rest.msg,
      input: rest.input,
      ...(rest.ctx ? { ctx: rest.ctx } : {}),
    };
  });
}

const LOC_ROOTS: Partial<Record<string, LocRoot>> = {
  json: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
};

/**
 * The routes' validation hook: a request part that fails its schema is the 422 FastAPI would send.
 * The validator hands the hook the part as it was received, also when it failed, to quote from.
 * It reads only the validation result, so it serves routers of any env.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- it reads only the result, whatever the env
export const rejectInvalidRequest: Hook<unknown, any, string, void> = (result) => {
  if (result.success) {
    rejectUnstorable(result.data, LOC_ROOTS[result.target] ?? 'body');
    return;
  }
  const received = (result as { data?: unknown }).data;
  throw new RequestValidationError(
    validationDetails(result.error, LOC_ROOTS[result.target] ?? 'body', received),
  );
};

/** Parses `input` or throws the 422 that FastAPI would send for it. */
export function parseOr422<S extends z.ZodType>(schema: S, input: unknown, root: LocRoot): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new RequestValidationError(validationDetails(result.error, root, input));
  return result.data;
}

/**
 * Throws the 422 for the first thing in a request part that the database could not store (NUL,
 * a lone surrogate, nesting too deep), at that field. Values a schema accepted can still hold them.
 */
export function rejectUnstorable(input: unknown, root: LocRoot): void {
  const found = findUnstorableInput(input);
  if (!found) return;
  const loc = [root, ...found.path];
  const msg = UNSTORABLE_MESSAGES[found.problem];
  throw new RequestValidationError([
    found.problem === 'depth'
      ? { type: 'json_invalid', loc, msg: 'JSON decode error', input: {}, ctx: { error: msg } }
      : { type: 'value_error', loc, msg: `Value error, ${msg}`, input: found.value },
  ]);
}
