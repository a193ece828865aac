/** JOB_STORAGE_DIR and EXECUTOR_MAX_PROCESSES: defaults, and one clear line for a bad value. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/env.js';
import { defaultStorageDir } from '../src/executor/subprocess.js';

describe('executor configuration', () => {
  it('leaves both unset by default, and takes them when given', () => {
    const defaults = loadConfig({});
    expect(defaults.JOB_STORAGE_DIR).toBeUndefined();
    expect(defaults.EXECUTOR_MAX_PROCESSES).toBeUndefined();
    const given = loadConfig({ JOB_STORAGE_DIR: '/srv/jobs', EXECUTOR_MAX_PROCESSES: '3' });
    expect(given.JOB_STORAGE_DIR).toBe('/srv/jobs');
    expect(given.EXECUTOR_MAX_PROCESSES).toBe(3);
  });

  it.each(['0', '-1', 'many', '1.5'])(
    'refuses EXECUTOR_MAX_PROCESSES=%s with one line naming it',
    (value) => {
      expect(() => loadConfig({ EXECUTOR_MAX_PROCESSES: value })).toThrow(ConfigError);
      expect(() => loadConfig({ EXECUTOR_MAX_PROCESSES: value })).toThrow(
        new RegExp(`^Invalid EXECUTOR_MAX_PROCESSES="${value.replace('.', '\\.')}": `),
      );
    },
  );

  it('keeps job storage under the data directory, or in the system temp directory without one', () => {
    expect(defaultStorageDir('./.data')).toBe(join('.data', 'jobs'));
    expect(defaultStorageDir('memory://')).toBe(join(tmpdir(), 'jobs-gateway', 'jobs'));
    expect(defaultStorageDir(undefined)).toBe(join(tmpdir(), 'jobs-gateway', 'jobs'));
  });
});
