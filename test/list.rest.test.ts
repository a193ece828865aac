/** `GET /apis/jobs/v2/workspaces/{workspace}/jobs`: sorting, bracket filters, paging and errors. */
import { beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, useGateway } from './support/gateway.js';

type Job = {
  id: string;
  name: string;
  source: string;
  project?: string;
  status: string;
  created_at: string;
  updated_at: string;
};

describe.each(databaseKinds)('listing jobs over REST on $name', (kind) => {
  const suite = useGateway(kind);

  const jobs = (ws: string) => `${JOBS}/workspaces/${ws}/jobs`;
  const query = (params: Record<string, string | number>) =>
    Object.entries(params)
      .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
      .join('&');
  const list = (ws: string, params: Record<string, string | number> = {}) =>
    http(suite.base, 'GET', `${jobs(ws)}?${query(params)}`);
  const names = (data: Job[]) => data.map((j) => j.name);

  async function create(ws: string, name: string, extra: Record<string, unknown> = {}) {
    const res = await http(suite.base, 'POST', jobs(ws), { ...jobWithSteps(name), ...extra });
    expect(res.status).toBe(201);
    return res.body as Job;
  }
  const act = (ws: string, name: string, action: string) =>
    http(suite.base, 'POST', `${jobs(ws)}/${name}/${action}`, {});
  const step = (ws: string, name: string, status: string) =>
    http(suite.base, 'PATCH', `${jobs(ws)}/${name}/steps/step-a/status`, { status });

  /** Every page of a listing, as the upstream SDK walks them. */
  async function allPages(ws: string, params: Record<string, string | number>, pageSize: number) {
    const seen: Job[] = [];
    let page = 1;
    let totalPages = 1;
    do {
      const res = await list(ws, { ...params, page, page_size: pageSize });
      expect(res.status).toBe(200);
      expect(res.body.pagination.page).toBe(page);
      expect(res.body.pagination.current_page_size).toBe(res.body.data.length);
      seen.push(...res.body.data);
      totalPages = res.body.pagination.total_pages;
      page += 1;
    } while (page <= totalPages);
    return { seen, totalPages };
  }

  const valueOf = (job: Job, field: string) =>
    field === 'source' ? job.source : Date.parse(field === 'created_at' ? job.created_at : job.updated_at);

  function expectSorted(data: Job[], sort: string) {
    const descending = sort.startsWith('-');
    const field = sort.replace(/^-/, '');
    for (let i = 1; i < data.length; i++) {
      const [a, b] = [valueOf(data[i - 1], field), valueOf(data[i], field)];
      if (descending) expect(a >= b, `${sort}: ${data[i - 1].name} before ${data[i].name}`).toBe(true);
      else expect(a <= b, `${sort}: ${data[i - 1].name} before ${data[i].name}`).toBe(true);
    }
  }

  describe('sorting', () => {
    let ws: string;
    beforeAll(async () => {
      ws = uniqueWorkspace('sorted');
      for (const [name, source] of [
        ['job-b1', 'beta'],
        ['job-a1', 'alpha'],
        ['job-g1', 'gamma'],
        ['job-a2', 'alpha'],
        ['job-b2', 'beta'],
        ['job-a3', 'alpha'],
      ]) {
        await create(ws, name, { source });
      }
      // Status changes move updated_at away from created_at order.
      await act(ws, 'job-b1', 'pause');
      await step(ws, 'job-a2', 'active');
    });

    it.each(['created_at', '-created_at', 'updated_at', '-updated_at', 'source', '-source'])(
      'sorts by %s, echoes the sort, and pages through the same order',
      async (sort) => {
        const full = await list(ws, { sort, page_size: 100 });
        expect(full.status).toBe(200);
        expect(full.body.sort).toBe(sort);
        expect(full.body.data).toHaveLength(6);
        expectSorted(full.body.data, sort);
        const { seen } = await allPages(ws, { sort }, 4);
        expect(names(seen)).toEqual(names(full.body.data));
        expect((await list(ws, { sort, page_size: 100 })).body.data).toEqual(full.body.data);
      },
    );

    it('sorts by -created_at by default, newest first', async () => {
      const res = await list(ws);
      expect(res.body.sort).toBe('-created_at');
      expectSorted(res.body.data, '-created_at');
      expect(res.body.data.at(-1).name).toBe('job-b1');
    });

    it('puts the most recently changed job first under -updated_at', async () => {
      const res = await list(ws, { sort: '-updated_at' });
      expect(names(res.body.data).slice(0, 2)).toEqual(['job-a2', 'job-b1']);
    });

    it('breaks ties stably: identical sources and creation times page without repeats or gaps', async () => {
      const tied = uniqueWorkspace('tied');
      // Created at once, so several share a created_at as well as their source.
      await Promise.all(
        Array.from({ length: 7 }, (_, i) => create(tied, `tie-${i}`, { source: 'same-source' })),
      );
      for (const sort of ['source', '-source', 'created_at', '-created_at', 'updated_at', '-updated_at']) {
        const full = await list(tied, { sort, page_size: 100 });
        const again = await list(tied, { sort, page_size: 100 });
        expect(names(again.body.data), sort).toEqual(names(full.body.data));
        for (const pageSize of [2, 3]) {
          const { seen } = await allPages(tied, { sort }, pageSize);
          expect(names(seen), `${sort} in pages of ${pageSize}`).toEqual(names(full.body.data));
        }
        expect(new Set(names(full.body.data)).size).toBe(7);
      }
      // Reversing the direction reverses the whole order, ties included.
      const asc = await list(tied, { sort: 'source', page_size: 100 });
      const desc = await list(tied, { sort: '-source', page_size: 100 });
      expect(names(desc.body.data)).toEqual(names(asc.body.data).reverse());
    });
  });

  describe('filters', () => {
    let ws: string;
    let all: Job[];
    beforeAll(async () => {
      ws = uniqueWorkspace('filtered');
      await create(ws, 'j-created', { source: 'src-a', project: 'proj-1' });
      await create(ws, 'j-pausing', { source: 'src-b', project: 'proj-1' });
      await act(ws, 'j-pausing', 'pause');
      await create(ws, 'j-paused', { source: 'src-a', project: 'proj-2' });
      await act(ws, 'j-paused', 'pause');
      await step(ws, 'j-paused', 'paused');
      await create(ws, 'j-active', { source: 'src-c' });
      await step(ws, 'j-active', 'active');
      all = (await list(ws, { page_size: 100, sort: 'created_at' })).body.data;
      expect(all).toHaveLength(4);
    });

    const filtered = async (params: Record<string, string>) => {
      const res = await list(ws, { ...params, page_size: 100 });
      expect(res.status).toBe(200);
      expect(res.body.pagination.total_results).toBe(res.body.data.length);
      return res;
    };
    const sortedNames = (data: Job[]) => names(data).sort();

    it('filters by status, a comma meaning any of, and echoes the filter', async () => {
      const res = await filtered({ 'filter[status]': 'paused,pausing' });
      expect(sortedNames(res.body.data)).toEqual(['j-paused', 'j-pausing']);
      expect(res.body.filter).toEqual({ status: 'paused,pausing' });

      const active = await filtered({ 'filter[status]': 'active' });
      expect(names(active.body.data)).toEqual(['j-active']);
      expect(active.body.filter).toEqual({ status: 'active' });

      const none = await filtered({ 'filter[status]': 'completed' });
      expect(none.body.data).toEqual([]);
      expect(none.body.pagination).toMatchObject({ total_results: 0, total_pages: 1, current_page_size: 0 });
    });

    it('filters by source, project and name', async () => {
      expect(sortedNames((await filtered({ 'filter[source]': 'src-a' })).body.data)).toEqual([
        'j-created',
        'j-paused',
      ]);
      expect(sortedNames((await filtered({ 'filter[source]': 'src-a,src-c' })).body.data)).toEqual([
        'j-active',
        'j-created',
        'j-paused',
      ]);
      expect(sortedNames((await filtered({ 'filter[project]': 'proj-1' })).body.data)).toEqual([
        'j-created',
        'j-pausing',
      ]);
      const byName = await filtered({ 'filter[name]': 'j-active' });
      expect(names(byName.body.data)).toEqual(['j-active']);
      expect(byName.body.filter).toEqual({ name: 'j-active' });
    });

    it('takes an empty filter as none, and a repeated one as any of its values', async () => {
      const empty = await filtered({ 'filter[source]': '' });
      expect(empty.body.data).toHaveLength(4);
      expect(empty.body).not.toHaveProperty('filter');
      const res = await http(
        suite.base,
        'GET',
        `${JOBS}/workspaces/${ws}/jobs?filter[status]=paused&filter[status]=active`,
      );
      expect(sortedNames(res.body.data)).toEqual(['j-active', 'j-paused']);
      expect(res.body.filter).toEqual({ status: 'paused,active' });
    });

    it('combines filters: every one must match', async () => {
      const res = await filtered({ 'filter[source]': 'src-a', 'filter[status]': 'paused' });
      expect(names(res.body.data)).toEqual(['j-paused']);
      expect(res.body.filter).toEqual({ source: 'src-a', status: 'paused' });
    });

    it.each(['created_at', 'updated_at'] as const)(
      'filters %s with $gte and $lte, bounds included',
      async (field) => {
        const mid = all[1][field];
        const at = (j: Job) => Date.parse(j[field]);
        const gte = await filtered({ [`filter[${field}][$gte]`]: mid });
        expect(sortedNames(gte.body.data)).toEqual(sortedNames(all.filter((j) => at(j) >= Date.parse(mid))));
        expect(names(gte.body.data)).toContain(all[1].name);
        expect(gte.body.filter).toEqual({ [field]: { $gte: mid } });

        const lte = await filtered({ [`filter[${field}][$lte]`]: mid });
        expect(sortedNames(lte.body.data)).toEqual(sortedNames(all.filter((j) => at(j) <= Date.parse(mid))));
        expect(names(lte.body.data)).toContain(all[1].name);

        const both = await filtered({ [`filter[${field}][$gte]`]: mid, [`filter[${field}][$lte]`]: mid });
        expect(sortedNames(both.body.data)).toEqual(
          sortedNames(all.filter((j) => at(j) === Date.parse(mid))),
        );
        expect(both.body.filter).toEqual({ [field]: { $gte: mid, $lte: mid } });
      },
    );

    it('takes plain dates and offsets in time filters', async () => {
      expect((await filtered({ 'filter[created_at][$gte]': '2000-01-01' })).body.data).toHaveLength(4);
      expect((await filtered({ 'filter[created_at][$lte]': '2000-01-01' })).body.data).toHaveLength(0);
      const first = all[0].created_at;
      // The same instant written with an offset.
      const shifted = new Date(Date.parse(first) + 2 * 3600_000).toISOString().replace('Z', '+02:00');
      expect(names((await filtered({ 'filter[created_at][$lte]': shifted })).body.data)).toContain(
        all[0].name,
      );
    });

    it('reads a time without an offset as UTC, whatever the suite.server’s time zone', async () => {
      const zone = process.env.TZ;
      process.env.TZ = 'America/New_York';
      try {
        const first = all[0].created_at; // e.g. 2026-01-01T12:00:00.123Z
        const naive = first.replace('Z', '');
        const res = await filtered({ 'filter[created_at][$gte]': naive, 'filter[created_at][$lte]': naive });
        expect(names(res.body.data)).toEqual(names(all.filter((j) => j.created_at === first)));
      } finally {
        if (zone === undefined) delete process.env.TZ;
        else process.env.TZ = zone;
      }
    });

    it('answers 400 with a detail sentence for an unknown filter field', async () => {
      const res = await list(ws, { 'filter[colour]': 'red' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ detail: expect.stringContaining("'colour'") });
    });
  });

  describe('422 for bad query parameters', () => {
    it.each([
      [{ page: 0 }, 'page', 'greater_than_equal'],
      [{ page: 'abc' }, 'page', 'int_parsing'],
      [{ page: '1.5' }, 'page', 'int_parsing'],
      [{ page_size: 0 }, 'page_size', 'greater_than_equal'],
      [{ page_size: -3 }, 'page_size', 'greater_than_equal'],
      [{ sort: 'name' }, 'sort', undefined],
      [{ sort: '--created_at' }, 'sort', undefined],
      [{ 'filter[status]': 'running' }, 'filter[status]', 'enum'],
      [{ 'filter[status]': 'paused,running' }, 'filter[status]', 'enum'],
      [{ 'filter[created_at][$gte]': 'yesterday' }, 'filter[created_at][$gte]', undefined],
      [{ 'filter[updated_at][$lte]': '2024-13-45' }, 'filter[updated_at][$lte]', undefined],
      [{ 'filter[created_at]': '2024-01-01' }, 'filter[created_at]', undefined],
      [{ 'filter[created_at][$between]': '2024-01-01' }, 'filter[created_at][$between]', undefined],
    ] as [Record<string, string | number>, string, string | undefined][])(
      '%o is a 422 at query.%s',
      async (params, field, type) => {
        const res = await list(uniqueWorkspace(), params);
        expect(res.status).toBe(422);
        expect(res.body.detail).toEqual([
          expect.objectContaining({
            loc: ['query', field],
            msg: expect.any(String),
            ...(type ? { type } : {}),
          }),
        ]);
      },
    );
  });

  describe('paging', () => {
    it('the SDK loop, page 1.. until total_pages with page_size 3, sees each of 10 jobs exactly once', async () => {
      const ws = uniqueWorkspace('paged');
      const created: string[] = [];
      for (let i = 0; i < 10; i++) created.push((await create(ws, `paged-${i}`)).name);
      const { seen, totalPages } = await allPages(ws, {}, 3);
      expect(totalPages).toBe(4);
      expect(seen).toHaveLength(10);
      expect(new Set(names(seen))).toEqual(new Set(created));

      const last = await list(ws, { page: 4, page_size: 3 });
      expect(last.body.pagination).toEqual({
        page: 4,
        page_size: 3,
        current_page_size: 1,
        total_pages: 4,
        total_results: 10,
      });
      const beyond = await list(ws, { page: 5, page_size: 3 });
      expect(beyond.status).toBe(200);
      expect(beyond.body.data).toEqual([]);
      expect(beyond.body.pagination).toEqual({
        page: 5,
        page_size: 3,
        current_page_size: 0,
        total_pages: 4,
        total_results: 10,
      });
    });

    it('keeps an unfiltered total exact while jobs are created and deleted at once, per workspace', async () => {
      const [a, b] = [uniqueWorkspace('count-a'), uniqueWorkspace('count-b')];
      const named = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
      await Promise.all([
        ...named('a', 30).map((n) => create(a, n)),
        ...named('b', 12).map((n) => create(b, n)),
      ]);
      // Deletes racing creates: each gone job must leave the count, each new one join it.
      const gone = named('a', 30).slice(0, 9);
      await Promise.all(gone.map((n) => act(a, n, 'cancel')));
      const results = await Promise.all([
        ...gone.map((n) => http(suite.base, 'DELETE', `${jobs(a)}/${n}`)),
        ...named('late', 5).map((n) => create(a, n)),
      ]);
      expect(results.slice(0, gone.length).map((r) => r.status)).toEqual(gone.map(() => 204));

      const totals = async (ws: string, params: Record<string, string | number> = {}) =>
        (await list(ws, { page_size: 1, ...params })).body.pagination.total_results;
      expect(await totals(a)).toBe(30 - 9 + 5);
      expect(await totals(b)).toBe(12);
      // The same jobs counted through a filter that matches them all (counted row by row).
      expect(await totals(a, { 'filter[source]': 'tests' })).toBe(26);
      expect((await allPages(a, {}, 10)).seen).toHaveLength(26);
    });

    describe('past the first thousand jobs', () => {
      const COUNT = 1_030;
      let ws: string;
      beforeAll(async () => {
        ws = uniqueWorkspace('deep');
        for (let i = 0; i < COUNT; i += 50) {
          const batch = Array.from({ length: Math.min(50, COUNT - i) }, (_, j) => `deep-${i + j}`);
          await Promise.all(batch.map((name) => create(ws, name)));
        }
      }, 120_000);

      /** The listing through a filter every job matches: its pages read every job's row in order. */
      async function everyJob(sort: string) {
        const pages = [1, 2].map((page) =>
          list(ws, { sort, page, page_size: 1000, 'filter[source]': 'tests' }),
        );
        return (await Promise.all(pages)).flatMap((res) => res.body.data as Job[]);
      }

      it.each([
        ['-created_at', 50],
        ['-created_at', 7],
        ['updated_at', 50],
        ['-source', 25],
      ])(
        'sorted by %s, pages of %i: the same jobs as the filtered listing, read once and again',
        async (sort, size) => {
          const reference = await everyJob(sort);
          expect(reference).toHaveLength(COUNT);
          // Pages either side of a thousand jobs in, to the last, partial one.
          const first = Math.floor(950 / size) + 1;
          const last = Math.ceil(COUNT / size);
          for (let page = first; page <= last; page++) {
            const expected = names(reference.slice((page - 1) * size, page * size));
            // Read three times: in full, in full keeping the jobs, then by their versions.
            for (let read = 0; read < 3; read++) {
              const res = await list(ws, { sort, page, page_size: size });
              expect(res.status).toBe(200);
              expect(names(res.body.data), `page ${page}, read ${read + 1}`).toEqual(expected);
              expect(res.body.pagination.total_results).toBe(COUNT);
            }
          }
        },
      );

      it('shows a job changed since the page was last read', async () => {
        const page = { sort: '-created_at', page: 21, page_size: 50 };
        const before = (await list(ws, page)).body.data as Job[];
        await list(ws, page);
        const changed = before[3];
        expect((await act(ws, changed.name, 'pause')).status).toBe(200);
        const after = (await list(ws, page)).body.data as Job[];
        expect(names(after)).toEqual(names(before));
        expect(after[3]).toMatchObject({ name: changed.name, status: 'pausing' });
      });
    });

    it('pages a filtered list over the filtered total', async () => {
      const ws = uniqueWorkspace('paged-filter');
      for (let i = 0; i < 5; i++) {
        await create(ws, `kept-${i}`, { source: 'kept' });
        await create(ws, `other-${i}`, { source: 'other' });
      }
      const { seen, totalPages } = await allPages(ws, { 'filter[source]': 'kept' }, 2);
      expect(totalPages).toBe(3);
      expect(names(seen).sort()).toEqual(['kept-0', 'kept-1', 'kept-2', 'kept-3', 'kept-4']);
    });
  });
});
