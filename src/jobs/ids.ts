/** Ids and generated names, in the formats the NeMo Platform uses. */
import { customAlphabet } from 'nanoid';

/** Base58: no 0, O, I or l, which read alike. */
const base58 = customAlphabet('123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz', 22);
const nameSuffix = customAlphabet('abcdefghijklmnopqrstuvwxyz0123456789', 8);

export const newJobId = () => `platform-job-${base58()}`;
export const newAttemptId = () => `platform-job-attempt-${base58()}`;
export const newStepId = () => `platform-job-step-${base58()}`;

/**
 * A name for a job created without one: the first 20 characters of its source, `-`, 8 random
 * lowercase alphanumerics. The source part is folded into the name alphabet so the result is a
 * valid job name whatever the source looks like.
 */
export function generateJobName(source: string): string {
  let prefix = source
    .slice(0, 20)
    .toLowerCase()
    .replace(/[^a-z0-9\-@.+_]/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  if (prefix === '') prefix = 'job';
  return `${prefix}-${nameSuffix()}`;
}
export const newTaskId = () => `platform-job-task-${base58()}`;
