/** How the jobs domain names and shows its records, the same through every door. */
import type { JobStepRow } from './tables.js';
import type { StepSpec } from './spec.js';

/** Optional spec fields are left out when unset, as the upstream schemas mark them not nullable. */
export function stepSpecOf(step: JobStepRow): StepSpec {
  return {
    name: step.name,
    ...(step.environment ? { environment: step.environment } : {}),
    executor: step.executor,
    ...(step.config ? { config: step.config } : {}),
    ...(step.lifecycle ? { lifecycle: step.lifecycle } : {}),
  };
}

/** The fileset that holds a job's files is named after the job. */
export const filesetOf = (job: { name: string }) => `job-fileset-${job.name}`;
