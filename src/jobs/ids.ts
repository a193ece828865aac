import { randomBytes } from 'node:crypto';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomString(alphabet: string, length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // Rejection sampling keeps every character equally likely.
      if (byte < 256 - (256 % alphabet.length)) out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

export const newJobId = () => `platform-job-${randomString(BASE58, 22)}`;
export const newAttemptId = () => `platform-job-attempt-${randomString(BASE58, 22)}`;
export const newStepId = () => `platform-job-step-${randomString(BASE58, 22)}`;

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
  return `${prefix}-${randomString(LOWER_ALNUM, 8)}`;
}
