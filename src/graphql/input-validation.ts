/**
 * Validation failures as GraphQL sees them: a list of issues whose paths use the GraphQL input's
 * camelCase names, whether zod found them or the jobs service did.
 */
import type { z } from 'zod';
import type { InvalidJobSpecError } from '../jobs/errors.js';

/** The GraphQL type of an `InputValidationError` result. */
export const VALIDATION_ERROR_TYPE = 'ValidationError';

export interface ValidationIssue {
  path: string[];
  message: string;
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const toGraphQLPath = (path: readonly PropertyKey[]) =>
  path.map((p) => (typeof p === 'string' ? camel(p) : String(p)));

export class InputValidationError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(
      issues.length === 1 && issues[0]
        ? `Invalid input at ${issues[0].path.join('.')}: ${issues[0].message}`
        : `Invalid input: ${issues.length} problems`,
    );
  }

  static fromZod(error: z.ZodError): InputValidationError {
    return new InputValidationError(
      error.issues.map((issue) => ({ path: toGraphQLPath(issue.path), message: issue.message })),
    );
  }

  /** A spec problem found by the service, located inside `argument`. */
  static fromSpec(error: InvalidJobSpecError, argument: string): InputValidationError {
    return new InputValidationError([
      { path: [argument, ...toGraphQLPath(error.path)], message: error.message },
    ]);
  }
}
