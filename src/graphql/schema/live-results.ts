/** What every subscription of a job's stream shares: its answer to a missing job, and to lost access. */
import { GraphQLError } from 'graphql';
import { AccessEnded } from '../../access/live.js';
import { JobNotFoundError } from '../../jobs/errors.js';
import { accessError } from '../access-errors.js';

/** A missing job is an error before any item, not a stream that never speaks. */
export const jobNotFound = (workspace: string, name: string) =>
  new GraphQLError(new JobNotFoundError(workspace, name).message, { extensions: { code: 'NOT_FOUND' } });

/** Each item as it is; a stream whose caller lost access ends with that error. */
export function untilAccessEnds<T>(item: T | AccessEnded): T {
  if (item instanceof AccessEnded) throw accessError(item.error);
  return item;
}
