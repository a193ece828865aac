import { JOB_ACTIONS, JOB_STATUSES } from '../../jobs/lifecycle.js';
import { EXECUTOR_PROVIDERS } from '../../jobs/spec.js';
import { builder } from '../builder.js';

/** GraphQL enums are upper case; their values are the domain's lower-case names. */
export const upperCased = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), { value }])) as Record<string, { value: T }>;

export const JobStatusEnum = builder.enumType('JobStatus', { values: upperCased(JOB_STATUSES) });
export const JobActionEnum = builder.enumType('JobAction', {
  description: 'An action that would change the job now: neither a no-op nor a conflict.',
  values: upperCased(JOB_ACTIONS),
});
export const ExecutorProviderEnum = builder.enumType('ExecutorProvider', {
  values: upperCased(EXECUTOR_PROVIDERS),
});
