/**
 * Query parameters as a route's schema receives them: a string, or an array of strings when the
 * parameter is repeated. A parameter that takes one value reads one of them.
 */
import { z } from 'zod';

/** Which value of a repeated parameter counts. */
type WhichValue = 'first' | 'last';

const one =
  (which: WhichValue) =>
  (value: unknown): unknown =>
    Array.isArray(value) ? (which === 'first' ? (value[0] as unknown) : (value.at(-1) as unknown)) : value;

/** A string parameter. */
export const queryString = <S extends z.ZodType<string>>(schema: S, which: WhichValue = 'first') =>
  z.preprocess(one(which), schema);

/** An integer parameter, written in decimal digits. */
export function queryInteger(min: number, max: number, which: WhichValue = 'first') {
  const pick = one(which);
  return z.preprocess((raw) => {
    const value = pick(raw);
    return typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  }, z.number().int().min(min).max(max));
}

const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const BOOLEAN_WORDS = [...TRUE_WORDS, 'false', '0', 'no', 'off'] as const;

/** A boolean parameter, written as FastAPI reads one: `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`. */
export const queryBoolean = () =>
  queryString(z.enum(BOOLEAN_WORDS), 'last')
    .transform((word) => TRUE_WORDS.includes(word))
    .meta({ type: 'boolean' });
