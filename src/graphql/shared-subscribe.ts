/**
 * graphql-js's `subscribe`, except that the subscriptions of one caller that run the same
 * operation with the same variables execute each event once between them. Ten watchers of a job
 * in ten browser tabs all get the same answer to every change of it: graphql-js would build an
 * execution (coerce the variables, collect the fields, resolve each one) ten times over.
 *
 * What an execution may depend on is the event, the operation, its variables and the caller's
 * rights (an event's `job` is read with them), so those make the key. Rights are the principal's
 * name, which its role bindings use, and its token's scopes: two tabs of one user share, whatever
 * their connections or tokens. Each event's results are kept beside it (a WeakMap) only while some
 * subscriber has yet to deliver it.
 */
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { GraphQLContext } from './context.js';

type Result = ExecutionResult | Promise<ExecutionResult>;

const ids = new WeakMap<object, number>();
let lastId = 0;
/** A number for a parsed document, for keys made of several parts. */
const idOf = (object: object) => {
  let id = ids.get(object);
  if (id === undefined) ids.set(object, (id = ++lastId));
  return id;
};

/** Results by event, then by the operation key of the subscriptions that executed it. */
const resultsByEvent = new WeakMap<object, Map<string, Result>>();

function operationKey({ document, operationName, variableValues, contextValue }: ExecutionArgs): string {
  const { kind, id, scopes } = (contextValue as GraphQLContext).principal;
  const rights = [kind, id, [...scopes].sort()];
  return JSON.stringify([idOf(document), rights, operationName ?? null, variableValues ?? null]);
}

function executeOnce(args: ExecutionArgs, key: string, event: unknown): Result {
  if (typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
  let results = resultsByEvent.get(event);
  if (!results) resultsByEvent.set(event, (results = new Map<string, Result>()));
  let result = results.get(key);
  if (!result) results.set(key, (result = execute({ ...args, rootValue: event })));
  return result;
}

export async function sharedSubscribe(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source;
  const key = operationKey(args);
  return mapEvents(source[Symbol.asyncIterator](), (event) => executeOnce(args, key, event));
}

/**
 * Each event of `source` through `map`. Not an async generator: its return() would wait for a
 * pending next(), so a client leaving an idle job would stay subscribed; and not graphql-js's
 * mapper, whose async next() keeps a suspended frame per idle subscription.
 */
function mapEvents(
  source: AsyncIterator<unknown>,
  map: (event: unknown) => Result,
): AsyncIterableIterator<ExecutionResult> {
  const done: IteratorResult<ExecutionResult> = { value: undefined, done: true };
  // Made once per subscription rather than per event: what next() allocates lives until the
  // job's next change, and under a steady stream of changes V8 moves it to its old generation.
  const toItem = (value: ExecutionResult): IteratorResult<ExecutionResult> => ({ value, done: false });
  // As graphql-js does: an event that cannot be executed ends the source too.
  const fail = async (error: unknown): Promise<never> => {
    await source.return?.().catch(() => {});
    throw error;
  };
  const onItem = (item: IteratorResult<unknown>) =>
    item.done ? done : Promise.resolve(map(item.value)).then(toItem, fail);
  return {
    next() {
      return source.next().then(onItem);
    },
    return() {
      return source.return ? source.return().then(() => done) : Promise.resolve(done);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
