/**
 * One answer to a client's mistake in an argument, whichever door the operation came through
 * (HTTP, SSE, graphql-ws): a GraphQL error with code BAD_USER_INPUT whose message names the
 * argument and its field. Being a GraphQLError, error masking shows it as it is and nothing logs
 * it as the server's fault. The exception is a mutation whose result has a `ValidationError`
 * member (createJob): its input mistakes are answered there, as a typed result.
 */
import { GraphQLError, getNamedType, isUnionType, type GraphQLResolveInfo } from 'graphql';
import type { NumberValidationOptions } from '@pothos/plugin-zod';
import type { z } from 'zod';
import { decodeCursor, InvalidCursorError, type Cursor } from '../events/cursor.js';
import { InputValidationError, VALIDATION_ERROR_TYPE } from './input-validation.js';

const badUserInput = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/** `problem` completes the sentence, e.g. `must be between 0 and 100.` */
export const badArgument = (field: string, argument: string, problem: string) =>
  badUserInput(`Argument "${argument}" of "${field}" ${problem}`);

/** A cursor that is malformed, or that names no position in what `field` pages. */
export const invalidCursor = (field: string, argument: string, cursor: string) =>
  badUserInput(`Invalid cursor "${cursor}" for argument "${argument}" of "${field}".`);

/** The `validate` option of a page size argument (`first`, `last`): 0 to `max`. */
export function pageSize(max: number): NumberValidationOptions {
  const message = `must be between 0 and ${max}.`;
  return { min: [0, { message }], max: [max, { message }] };
}

/** The `validate` option of a connection field: `first` and `last` together are refused, on `last`. */
export const firstOrLast: [
  (args: { first?: number | null; last?: number | null }) => boolean,
  { message: string; path: string[] },
] = [
  ({ first, last }) => first == null || last == null,
  { message: 'cannot be given together with "first".', path: ['last'] },
];

/** A position in the status event log given as `argument` of `field`; none when not given. */
export function eventCursorArgument(
  field: string,
  argument: string,
  text: string | null | undefined,
): Cursor | undefined {
  if (!text) return undefined;
  try {
    return decodeCursor(text);
  } catch (error) {
    if (error instanceof InvalidCursorError) throw invalidCursor(field, argument, text);
    throw error;
  }
}

/**
 * The zod plugin's answer to arguments that failed their `validate` options: the first issue as
 * a BAD_USER_INPUT error, or all of them as a `ValidationError` where the field's result has one.
 */
export function argumentValidationError(
  error: z.ZodError,
  _args: unknown,
  _context: unknown,
  info: GraphQLResolveInfo,
): Error {
  const result = getNamedType(info.returnType);
  if (isUnionType(result) && result.getTypes().some((type) => type.name === VALIDATION_ERROR_TYPE)) {
    return InputValidationError.fromZod(error);
  }
  // zod reports at least one issue for a failed parse.
  const issue = error.issues[0]!;
  return issue.path.length > 0
    ? badArgument(info.fieldName, String(issue.path[0]), issue.message)
    : badUserInput(`Invalid arguments of "${info.fieldName}": ${issue.message}`);
}
