/**
 * Rows of hand-written statements, and the records mapped from them, as objects that V8 keeps fast.
 *
 * Both drivers build an object row by adding each column under its name, one at a time, and a
 * loop over a table's columns maps it the same way. Past about sixteen properties added so, V8
 * turns an object into a hash table: a job-with-steps row has over thirty columns, so every such
 * row was built and read as one (profiled: the driver's largest cost on a page of 50 jobs). Here
 * the drivers give each row's values in column order, and each object is built by an object
 * literal of its keys, written once per list of keys: every object of a list has one fixed shape.
 * Counted with callgrind on a page of 50 jobs: 20 % fewer instructions to decode its rows, 35 %
 * fewer to map them to records.
 */

import { PgTimestamp } from 'drizzle-orm/pg-core';
import type { Column } from 'drizzle-orm';
import { timestampFromText } from '../support/timestamps.js';

/** A row as the driver returns it: column names as the statement spells them, values not yet mapped. */
export type DriverRow = Record<string, unknown>;

/**
 * Whether this process may compile code from text: not under Node's
 * `--disallow-code-generation-from-strings`, where the objects are built one key at a time, as
 * before (slower, the same objects).
 */
const mayCompile = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the check itself
    new Function('');
    return true;
  } catch {
    return false;
  }
})();

/**
 * A function returning `{ key: <expression>, … }` for each entry, the expressions reading the
 * function's arguments as `input` and `extra` and `args` (passed once, here) as `args`;
 * `interpreted` where code may not be compiled. Keys and the names in expressions go through
 * JSON.stringify: no column name can change the code.
 */
function literalBuilder<I, O>(
  entries: [key: string, expression: string][],
  args: unknown[],
  interpreted: (input: I, extra?: unknown) => O,
): (input: I, extra?: unknown) => O {
  if (!mayCompile) return interpreted;
  const properties = entries.map(([key, expression]) => `${JSON.stringify(key)}: ${expression}`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the literal is what keeps the objects fast (above)
  const outer = new Function('args', `return (input, extra) => ({ ${properties.join(', ')} });`) as (
    args: unknown[],
  ) => (input: I, extra?: unknown) => O;
  return outer(args);
}

type RowBuilder = (values: readonly unknown[]) => DriverRow;

/** One builder per list of column names: each statement text has one, and there are a few dozen. */
const builders = new Map<string, RowBuilder>();

/** Rows as objects, of each row's values in the order of `names` (a repeated name: its last column, as the drivers do). */
export function rowsOf(names: readonly string[], values: readonly (readonly unknown[])[]): DriverRow[] {
  const key = names.join('\0');
  let build = builders.get(key);
  if (!build) {
    const last = [...new Map(names.map((name, i) => [name, i]))];
    build = literalBuilder(
      last.map(([name, i]) => [name, `input[${i}]`]),
      [],
      (row) => Object.fromEntries(last.map(([name, i]) => [name, row[i]])),
    );
    builders.set(key, build);
  }
  return values.map(build);
}

/** A field of a record read from a driver row: its key, the column it comes from, how its value maps. */
export interface RowField {
  key: string;
  from: string;
  /** Applied to every value but null (and a missing column, also null). */
  map: (value: unknown) => unknown;
}

/**
 * A function reading records of `fields` from driver rows; with `extraKey`, every record has that
 * key too, last, set to the function's second argument (a job's steps, say). It is set in the
 * literal: a record spread into another object with one more key got a map of its own every time
 * (V8 11.3), so every reader of such objects missed its inline caches.
 */
export function recordReader<T>(
  fields: readonly RowField[],
  extraKey?: string,
): (row: DriverRow, extra?: unknown) => T {
  return literalBuilder(
    [
      ...fields.map(({ key, from }, i): [string, string] => [
        key,
        `input[${JSON.stringify(from)}] == null ? null : args[${i}](input[${JSON.stringify(from)}])`,
      ]),
      ...(extraKey === undefined ? [] : [[extraKey, 'extra'] as [string, string]]),
    ],
    fields.map((field) => field.map),
    (row, extra) => {
      const record: Record<string, unknown> = {};
      for (const { key, from, map } of fields) record[key] = row[from] == null ? null : map(row[from]);
      if (extraKey !== undefined) record[extraKey] = extra;
      return record as T;
    },
  );
}

/**
 * How a column's value as the driver returns it maps to the record's: by the column's own
 * `mapFromDriverValue`, but a `timestamptz` that the driver gives as text (postgres.js does; PGlite
 * gives a Date) by hand (support/timestamps.ts): a page of jobs has four in each row.
 */
export function driverValueMapper(column: Column): (value: unknown) => unknown {
  if (column instanceof PgTimestamp && column.withTimezone) {
    return (value) =>
      typeof value === 'string' ? timestampFromText(value) : column.mapFromDriverValue(value as Date);
  }
  return (value) => column.mapFromDriverValue(value);
}
