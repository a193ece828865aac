/**
 * A job reads the same whichever statement reads it: an offset page, a keyset page and a single
 * read must give equal records, field by field and in key order, with every optional field set
 * and unset, steps in order, and user documents whose text JSON makes hard. A page read again
 * (whose unchanged jobs the process keeps) reads the same, and follows every change to a job or
 * one of its steps, whoever writes it.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/jobs/repository.js';
import { defaultExecutionProfiles } from '../src/jobs/profiles.js';
import { JobsService } from '../src/jobs/service.js';
import { createJobRequest } from '../src/jobs/spec.js';
import { jobSteps, jobs } from '../src/jobs/tables.js';
import { runStatement } from '../src/db/client.js';
import { databaseKinds, openMigrated, useMigratedDatabase } from './support/databases.js';
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

  it("gives what Drizzle's own query builder reads of the job's and steps' rows, key for key", async () => {
    for (const name of ['everything', 'plain', 'paused']) {
      const record = await service.get(ws, name);
      const [row] = await suite.handle.db
        .select()
        .from(jobs)
        .where(and(eq(jobs.workspace, ws), eq(jobs.name, name)));
      const steps = await suite.handle.db
        .select()
        .from(jobSteps)
        .where(eq(jobSteps.jobId, row.id))
        .orderBy(asc(jobSteps.position));
      expect(ordered(record)).toEqual(ordered({ ...row, steps }));
    }
  });

  it('reads every timestamp as the instant stored, whatever time zone the server is in', async () => {
    const stored = {
      jobCreated: '2024-02-29T23:59:59.500Z',
      jobUpdated: '2026-12-03T13:14:53.123Z',
      stepCreated: '1999-12-31T23:59:59.999Z',
      stepUpdated: '2026-12-03T13:14:53.000Z',
    };
    const { id } = await service.get(ws, 'plain');
    // Microseconds, which a Date cannot hold, are cut as `new Date` cuts them.
    await suite.handle.db.execute(sql`update jobs set created_at = '2024-02-29 23:59:59.5+00',
      updated_at = '2026-12-03 13:14:53.123456+00' where id = ${id}`);
    await suite.handle.db.execute(sql`update job_steps set created_at = '1999-12-31 23:59:59.999+00',
      updated_at = '2026-12-03 13:14:53+00' where job_id = ${id}`);
    let handle = suite.handle;
    if (kind.name === 'postgres') {
      // A server whose zone is half an hour off a whole hour: its own text would not be UTC.
      await suite.handle.db.execute(
        sql.raw(
          `alter database "${new URL(suite.database.options.databaseUrl!).pathname.slice(1)}" set timezone to 'America/St_Johns'`,
        ),
      );
      handle = await openMigrated(suite.database);
      const [{ zone }] = await runStatement(handle.db, `select current_setting('TimeZone') as zone`, []);
      expect(zone).toBe('UTC');
    }
    try {
      const reader = new JobsService(handle.db, defaultExecutionProfiles);
      const sort = { field: 'created_at', descending: false } as const;
      const { jobs: listed } = await reader.list(ws, { filter: {}, sort, limit: 10, offset: 0 });
      for (const job of [await reader.get(ws, 'plain'), listed.find((job) => job.name === 'plain')!]) {
        expect({
          jobCreated: job.createdAt.toISOString(),
          jobUpdated: job.updatedAt.toISOString(),
          stepCreated: job.steps[0].createdAt.toISOString(),
          stepUpdated: job.steps[0].updatedAt.toISOString(),
        }).toEqual(stored);
      }
    } finally {
      if (handle !== suite.handle) await handle.close();
    }
  });
});

describe.each(databaseKinds)('a page of jobs read again on $name', (kind) => {
  const suite = useMigratedDatabase(kind);
  let service: JobsService;
  const sort = { field: 'created_at', descending: false } as const;
  const reads = {
    offset: async (ws: string) => (await service.list(ws, { filter: {}, sort, limit: 10, offset: 0 })).jobs,
    keyset: async (ws: string) => (await service.page(ws, { filter: {}, sort, take: { first: 10 } })).jobs,
  };

  beforeAll(() => {
    service = new JobsService(suite.handle.db, defaultExecutionProfiles);
  });

  /** Every read, as many times as it takes to be served from kept jobs, equals single reads. */
  async function readsAsSingle(ws: string, read: () => Promise<JobRecord[]>, times = 4) {
    let page: JobRecord[] = [];
    for (let i = 0; i < times; i++) {
      page = await read();
      const singles = await Promise.all(page.map((job) => service.get(ws, job.name)));
      expect(page.map(ordered)).toEqual(singles.map(ordered));
    }
    return page;
  }

  // Written straight to the database, as another gateway process or an operator would.
  const write = (statement: ReturnType<typeof sql>) => suite.handle.db.execute(statement);

  it.each(['offset', 'keyset'] as const)(
    'a page by %s follows changes to a job, to one step alone, deletes and creates',
    async (which) => {
      const ws = uniqueWorkspace(which);
      const read = () => reads[which](ws);
      for (const name of ['one', 'two', 'three']) {
        await service.create(ws, createJobRequest.parse(jobWithSteps(name, 2)));
      }
      expect((await readsAsSingle(ws, read)).map((job) => job.name)).toEqual(['one', 'two', 'three']);

      await write(sql`update job_steps set status_details = ${JSON.stringify({ seen: which })}::jsonb
        where position = 1 and job_id = (select id from jobs where workspace = ${ws} and name = 'two')`);
      let page = await readsAsSingle(ws, read, 2);
      expect(page[1].steps.map((step) => step.statusDetails)).toEqual([{}, { seen: which }]);
      expect(page[0].steps[1].statusDetails).toEqual({});

      await write(sql`update jobs set description = ${which} where workspace = ${ws} and name = 'one'`);
      page = await readsAsSingle(ws, read, 2);
      expect(page.map((job) => job.description)).toEqual([which, null, null]);

      await service.pause(ws, 'three');
      page = await readsAsSingle(ws, read, 2);
      expect(page.map((job) => job.status)).toEqual(['created', 'created', 'pausing']);

      await write(sql`delete from jobs where workspace = ${ws} and name = 'two'`);
      await service.create(ws, createJobRequest.parse(jobWithSteps('two', 1)));
      page = await readsAsSingle(ws, read, 2);
      expect(page.map((job) => [job.name, job.steps.length])).toEqual([
        ['one', 2],
        ['three', 2],
        ['two', 1],
      ]);
    },
  );
});
