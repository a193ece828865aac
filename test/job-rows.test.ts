/**
 * A job reads the same whichever statement reads it: an offset page, a keyset page and a single
 * read must give equal records, field by field and in key order, with every optional field set
 * and unset, steps in order, and user documents whose text JSON makes hard.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/jobs/repository.js';
import { defaultExecutionProfiles } from '../src/jobs/profiles.js';
import { JobsService } from '../src/jobs/service.js';
import { createJobRequest } from '../src/jobs/spec.js';
import { jobSteps, jobs } from '../src/jobs/tables.js';
import { databaseKinds, useMigratedDatabase } from './support/databases.js';
import { jobWithSteps, seedJob, uniqueWorkspace } from './support/fixtures.js';

/** Text that JSON escapes, or that a careless writer would: quotes, controls, astral characters. */
const awkward = 'quote " backslash \\ slash / tab \t newline \n nul-ish \u0001 \u001f del \u007f é 𝄞 \u2028';

const everything = {
  ...seedJob,
  name: 'everything',
  spec: { z: 1, a: [0.1, -0, 1e21, 2 ** 64, true, null], nested: { [awkward]: awkward } },
  ownership: { created_by: 'someone', team: awkward },
  custom_fields: { b: 2, a: 1, empty: {}, list: [] },
  platform_spec: {
    steps: [
      seedJob.platform_spec.steps[0],
      {
        name: 'second',
        executor: { provider: 'subprocess', command: ['echo', awkward] },
        environment: [],
      },
    ],
  },
};

/** Records with their keys in order, so that equal records with keys out of order differ. */
const ordered = (record: JobRecord) => ({
  keys: Object.keys(record),
  stepKeys: record.steps.map((step) => Object.keys(step)),
  record,
});

describe.each(databaseKinds)('a job read in a page and on its own on $name', (kind) => {
  const suite = useMigratedDatabase(kind);
  let service: JobsService;
  const ws = uniqueWorkspace('rows');

  beforeAll(async () => {
    service = new JobsService(suite.handle.db, defaultExecutionProfiles);
    const rich = await service.create(ws, createJobRequest.parse(everything));
    await service.create(ws, createJobRequest.parse({ ...jobWithSteps('plain'), source: awkward }));
    await service.create(ws, createJobRequest.parse(jobWithSteps('paused', 3)));
    await service.pause(ws, 'paused');
    // What only the system writes: error details on the job and a step, a step's status details.
    await suite.handle.db
      .update(jobs)
      .set({ errorDetails: { message: awkward, code: 7 } })
      .where(eq(jobs.id, rich.id));
    await suite.handle.db
      .update(jobSteps)
      .set({ errorDetails: { trace: [awkward] }, statusDetails: { progress: 0.5 } })
      .where(eq(jobSteps.jobId, rich.id));
  });

  it('gives the same records from an offset page, a keyset page and a single read', async () => {
    const sort = { field: 'created_at', descending: false } as const;
    const { jobs: listed, total } = await service.list(ws, { filter: {}, sort, limit: 10, offset: 0 });
    const { jobs: paged } = await service.page(ws, { filter: {}, sort, take: { first: 10 } });
    expect(total).toBe(3);
    expect(listed.map((job) => job.name)).toEqual(['everything', 'plain', 'paused']);
    for (const [i, job] of listed.entries()) {
      const single = await service.get(ws, job.name);
      expect(ordered(job)).toEqual(ordered(single));
      expect(ordered(paged[i])).toEqual(ordered(single));
      expect(job.createdAt).toBeInstanceOf(Date);
      expect(job.steps[0].updatedAt).toBeInstanceOf(Date);
    }
    const rich = listed[0];
    expect(rich.spec).toEqual(JSON.parse(JSON.stringify(everything.spec)));
    expect(Object.keys(rich.customFields)).toEqual(['b', 'a', 'empty', 'list']);
    expect(rich.errorDetails).toEqual({ message: awkward, code: 7 });
    expect(rich.steps.map((step) => step.environment)).toEqual([
      everything.platform_spec.steps[0].environment,
      [],
    ]);
    expect(listed[2].steps.map((step) => step.status)).toEqual(['pausing', 'created', 'created']);
  });
});
