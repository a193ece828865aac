/** Ids and generated job names keep the platform's formats. No server, no database. */
import { describe, expect, it } from 'vitest';
import { generateJobName, newAttemptId, newJobId, newStepId } from '../src/jobs/ids.js';
import { NAME_PATTERN } from '../src/jobs/spec.js';

const BASE58_22 = '[1-9A-HJ-NP-Za-km-z]{22}';

describe('ids', () => {
  it('are the prefix and 22 base58 characters, different every time', () => {
    const samples = Array.from({ length: 200 }, () => [newJobId(), newAttemptId(), newStepId()]);
    for (const [job, attempt, step] of samples) {
      expect(job).toMatch(new RegExp(`^platform-job-${BASE58_22}$`));
      expect(attempt).toMatch(new RegExp(`^platform-job-attempt-${BASE58_22}$`));
      expect(step).toMatch(new RegExp(`^platform-job-step-${BASE58_22}$`));
    }
    expect(new Set(samples.flat()).size).toBe(samples.length * 3);
  });

  it('use every base58 character', () => {
    const seen = new Set(
      Array.from({ length: 200 }, () => newJobId().slice('platform-job-'.length)).join(''),
    );
    expect(seen.size).toBe(58);
  });
});

describe('a generated job name', () => {
  it("is the source's first 20 characters in the name alphabet, `-` and 8 lowercase alphanumerics", () => {
    expect(generateJobName('git@github.com:nemo/data-pipeline.git')).toMatch(
      /^git@github\.com-nemo-[a-z0-9]{8}$/,
    );
    expect(generateJobName('My Source')).toMatch(/^my-source-[a-z0-9]{8}$/);
  });

  it('starts with a letter and is a valid name whatever the source', () => {
    for (const source of ['', '123', '--', 'Ω', 'a--b', '9lives', 'x'.repeat(100)]) {
      const name = generateJobName(source);
      expect(name, source).toMatch(NAME_PATTERN);
    }
    expect(generateJobName('123')).toMatch(/^job-[a-z0-9]{8}$/);
  });

  it('uses every lowercase alphanumeric in its suffix', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateJobName('x').slice(-8)).join(''));
    expect(seen.size).toBe(36);
  });
});
