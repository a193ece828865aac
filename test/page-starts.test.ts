/**
 * Pages of a workspace's jobs found from where they start: a walk through the pages, as the SDK
 * makes one, follows the starts an earlier walk learned, and gives exactly the jobs the skip would
 * give, whoever creates or deletes jobs meanwhile: this process or another on the same database,
 * including a delete and a create that leave the count as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/client.js';
import { defaultExecutionProfiles } from '../src/jobs/profiles.js';
import { JobsService } from '../src/jobs/service.js';
import { createJobRequest } from '../src/jobs/spec.js';
import { databaseKinds, openMigrated, type TestDatabase } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';

const PAGE = 5;
const newestFirst = { field: 'created_at', descending: true } as const;

describe.each(databaseKinds)('pages found from their starts on $name', (kind) => {
  let database: TestDatabase;
  const handles: DatabaseHandle[] = [];
  /** The statements the walking process sends. */
  let statements: string[] = [];
  /** Two gateway processes' services on one database: `walker` lists, `writer` changes. */
  let walker: JobsService;
  let writer: JobsService;

  beforeAll(async () => {
    database = await kind.create();
    const walking = await openMigrated(database, (sql) => statements.push(sql));
    // PGlite lives in its one process: the second service shares its handle (not its memory).
    const writing = kind.name === 'postgres' ? await openMigrated(database) : walking;
    handles.push(walking, writing);
    walker = new JobsService(walking.db, defaultExecutionProfiles);
    writer = new JobsService(writing.db, defaultExecutionProfiles);
  });
  afterAll(async () => {
    for (const handle of new Set(handles)) await handle.close();
    await database?.drop();
  });

  const create = (service: JobsService, ws: string, name: string) =>
    service.create(ws, createJobRequest.parse(jobWithSteps(name)));
  async function createMany(ws: string, count: number, prefix = 'job') {
    for (let i = 0; i < count; i++) await create(writer, ws, `${prefix}-${i}`);
  }

  /** Every job, newest first, read through a filter that matches them all: in one statement, by skip. */
  async function reference(ws: string) {
    const { jobs } = await walker.list(ws, {
      filter: { source: ['tests'] },
      sort: newestFirst,
      limit: 1000,
      offset: 0,
    });
    return jobs.map((job) => job.name);
  }

  /** Every page in turn, as the SDK reads them; each page's names. */
  async function walk(service: JobsService, ws: string) {
    const pages: string[][] = [];
    for (let offset = 0; ; offset += PAGE) {
      const { jobs, total } = await service.list(ws, { filter: {}, sort: newestFirst, limit: PAGE, offset });
      if (jobs.length > 0) pages.push(jobs.map((job) => job.name));
      if (offset + PAGE >= total) return pages;
    }
  }
  const pagesOf = (names: string[]) =>
    Array.from({ length: Math.ceil(names.length / PAGE) }, (_, i) => names.slice(i * PAGE, (i + 1) * PAGE));
  const fromStarts = () => statements.filter((sql) => sql.includes('offset case when')).length;

  it('walks every page once, in order, and a second walk follows the starts the first learned', async () => {
    const ws = uniqueWorkspace('walk');
    await createMany(ws, 23);
    const expected = pagesOf(await reference(ws));
    expect(expected).toHaveLength(5);

    statements = [];
    expect(await walk(walker, ws)).toEqual(expected);
    statements = [];
    expect(await walk(walker, ws)).toEqual(expected);
    // Pages 2 to 5 start where the page before each ended.
    expect(fromStarts()).toBe(4);
    // The process that learned nothing reads the same pages by skipping.
    expect(await walk(writer, ws)).toEqual(expected);
  });

  it('follows no start once another process deleted and created as many jobs as it deleted', async () => {
    const ws = uniqueWorkspace('moved');
    await createMany(ws, 23);
    const before = await reference(ws);
    await walk(walker, ws);
    await walk(walker, ws);

    // Two jobs of the third page go, two new ones come first: the count is the same, every page
    // after the first has moved.
    for (const name of before.slice(11, 13)) {
      await writer.delete(ws, name, { force: true });
    }
    await create(writer, ws, 'new-a');
    await create(writer, ws, 'new-b');
    const after = await reference(ws);
    expect(after).toHaveLength(before.length);
    expect(after.slice(0, 2)).toEqual(['new-b', 'new-a']);

    // Last page first, so that no page's start is learned again before the page is read.
    const expected = pagesOf(after);
    for (let page = expected.length - 1; page >= 0; page--) {
      const { jobs } = await walker.list(ws, {
        filter: {},
        sort: newestFirst,
        limit: PAGE,
        offset: page * PAGE,
      });
      expect(
        jobs.map((job) => job.name),
        `page ${page + 1}`,
      ).toEqual(expected[page]);
    }
  });

  it('reads the next page right after this process created a job between two pages', async () => {
    const ws = uniqueWorkspace('between');
    await createMany(ws, 12);
    await walk(walker, ws);
    const page = (offset: number) =>
      walker.list(ws, { filter: {}, sort: newestFirst, limit: PAGE, offset }).then(({ jobs }) => jobs);

    await page(0);
    await page(PAGE);
    await create(walker, ws, 'newest');
    // The start of the third page was learned from the second, before the create.
    const names = await reference(ws);
    expect(names[0]).toBe('newest');
    expect((await page(2 * PAGE)).map((job) => job.name)).toEqual(names.slice(2 * PAGE, 3 * PAGE));
  });

  it('keeps the starts of each workspace apart', async () => {
    const [a, b] = [uniqueWorkspace('apart-a'), uniqueWorkspace('apart-b')];
    await createMany(a, 11, 'a');
    await createMany(b, 11, 'b');
    await walk(walker, a);
    await walk(walker, b);
    expect(await walk(walker, a)).toEqual(pagesOf(await reference(a)));
    expect(await walk(walker, b)).toEqual(pagesOf(await reference(b)));
  });
});
