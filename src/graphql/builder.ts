/** The Pothos schema builder: its plugins, context and scalar types. Nothing else lives here. */
import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ZodPlugin from '@pothos/plugin-zod';
import { argumentValidationError } from './argument-errors.js';
import { authScopes, refusalOf, type AccessNeed } from './auth-scopes.js';
import type { GraphQLContext } from './context.js';

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A connection's `totalCount`: the number, or how to count when the field is asked for. */
export type TotalCount = number | (() => Promise<number>);

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  /** `may`: the caller may do these operations of the access policy in this workspace. */
  AuthScopes: { may: AccessNeed };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  /** Every connection also tells how many items match, over all its pages (or how to count them). */
  Connection: { totalCount: TotalCount };
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    DateTime: { Input: Date; Output: Date };
  };
}>({
  // Errors first, so a refusal can become a typed `NotAuthorizedError` result and a failed
  // argument validation a typed `ValidationError`; then auth, so nothing runs before it.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, ZodPlugin, RelayPlugin, DataloaderPlugin],
  defaultFieldNullability: false,
  errors: {
    unsafelyHandleInputErrors: true,
    defaultResultOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Success` },
    defaultUnionOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Result` },
  },
  scopeAuth: {
    // Subscriptions are checked once, before their first event; live-access.ts keeps checking.
    authorizeOnSubscribe: true,
    // The access check throws its refusal; it becomes the field's error (refusalOf), not a crash.
    treatErrorsAsUnauthorized: true,
    cacheKey: (need) => JSON.stringify(need),
    authScopes,
    unauthorizedError: (_parent, _context, info, result) => refusalOf(result.failure, info),
  },
  zod: {
    validationError: argumentValidationError,
  },
  relay: {
    // node/nodes are the gateway's own (schema/node.ts): they check access, and name a malformed id.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    cursorType: 'String',
    nodesOnConnection: {
      description: 'The page’s items without their cursors, in the connection’s order.',
    },
    // What every connection, edge and Node shares says so once, here.
    idFieldOptions: {
      description:
        'A global id: opaque, unique across types and stable; `node(id:)` loads the object back. Not the platform’s own id (`Job.jobId`, `JobStep.stepId`).',
    },
    nodeTypeOptions: {
      description:
        'An object with a global `id` that `node(id:)` and `nodes(ids:)` load back, so client caches (Relay, Apollo) can normalise it.',
    },
    pageInfoTypeOptions: {
      description: 'Where a page sits in its connection, and the cursors at its two ends.',
    },
    pageInfoFieldOptions: {
      description: 'Whether items come before or after this page, and its end cursors.',
    },
    hasNextPageFieldOptions: {
      description: 'Whether items follow this page: pass `endCursor` as `after` to read them.',
    },
    hasPreviousPageFieldOptions: {
      description: 'Whether items come before this page: pass `startCursor` as `before` to read them.',
    },
    startCursorFieldOptions: {
      description: 'The cursor of the page’s first item; null when the page is empty.',
    },
    endCursorFieldOptions: {
      description: 'The cursor of the page’s last item; null when the page is empty.',
    },
    edgesFieldOptions: {
      nullable: { list: false, items: false },
      description: 'The page’s items with their cursors, in the connection’s order.',
    },
    nodeFieldOptions: { nullable: false, description: 'The item at this position.' },
    cursorFieldOptions: {
      description: 'This item’s position: pass it as `after` (or `before`) to page on from here.',
    },
  },
});
