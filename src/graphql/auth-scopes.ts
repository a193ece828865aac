/**
 * The access policy as auth scopes of `@pothos/plugin-scope-auth`: a field names what it needs
 * (`authScopes: (_, args) => needs(args.workspace, 'jobs.read')`), and the plugin asks the access
 * control before the resolver runs. The operations and the decision are the access model's; this
 * only translates its refusal into the field's answer.
 */
import { OperationTypeNode, type GraphQLResolveInfo } from 'graphql';
import { PermissionDeniedError, type Operation } from '../access/index.js';
import type { AuthFailure } from '@pothos/plugin-scope-auth';
import { accessError, forbidden } from './access-errors.js';
import type { GraphQLContext } from './context.js';

/** Every one of `operations` in `workspace`. */
export interface AccessNeed {
  workspace: string;
  operations: readonly Operation[];
}

/** A field's `authScopes`: the caller must be allowed each of `operations` in `workspace`. */
export const needs = (workspace: string, ...operations: Operation[]) => ({
  may: { workspace, operations },
});

/** The scope loader: throws the access model's refusal, which `refusalOf` turns into the answer. */
export const authScopes = ({ access, principal }: GraphQLContext) => ({
  may: async ({ workspace, operations }: AccessNeed) => {
    for (const operation of operations) await access.authorize(principal, workspace, operation);
    return true;
  },
});

/** The first error an access check threw, however the scopes were combined. */
function errorOf(failure: AuthFailure): unknown {
  if ('error' in failure && failure.error) return failure.error;
  if ('failures' in failure) {
    for (const inner of failure.failures) {
      const error = errorOf(inner);
      if (error) return error;
    }
  }
  return undefined;
}

/**
 * A refused field's answer: a mutation returns the refusal as its `NotAuthorizedError` result
 * (the errors plugin catches the PermissionDeniedError); a query or subscription gets no data and
 * a FORBIDDEN error, whose message never says whether the job exists.
 */
export function refusalOf(failure: AuthFailure, info: GraphQLResolveInfo): Error {
  const error = errorOf(failure);
  if (error instanceof PermissionDeniedError && info.operation.operation === OperationTypeNode.MUTATION)
    return error;
  const beforeStream = info.operation.operation === OperationTypeNode.SUBSCRIPTION;
  if (error === undefined) return forbidden('Not authorized.', { beforeStream });
  const shown = accessError(error, { beforeStream });
  return shown instanceof Error ? shown : new Error(String(shown));
}
