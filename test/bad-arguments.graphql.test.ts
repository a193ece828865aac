/**
 * A client's mistake in a GraphQL argument, on every door (HTTP, SSE, graphql-ws): an error with
 * code BAD_USER_INPUT whose message names the argument, never "Unexpected error.", and nothing in
 * the server's log.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, subscribe, useGateway, wsClient } from './support/gateway.js';
import { createJobIn } from './support/lifecycle.js';
import { openEventStream } from './support/sse.js';

const badUserInput = (message: string) => ({
  message,
  locations: expect.any(Array),
  path: expect.any(Array),
  extensions: { code: 'BAD_USER_INPUT' },
});

const JOBS_PAGE = `query ($ws: String!, $first: Int, $last: Int, $after: String, $before: String, $orderBy: JobOrderBy) {
  jobs(workspace: $ws, first: $first, last: $last, after: $after, before: $before, orderBy: $orderBy) {
    totalCount
    edges { cursor node { name } }
  }
}`;
const JOB_EVENTS_PAGE = `query ($ws: String!, $name: String!, $first: Int, $after: String) {
  job(workspace: $ws, name: $name) { name events(first: $first, after: $after) { nodes { status } } }
}`;

describe.each(databaseKinds)('bad GraphQL arguments on $name', (kind) => {
  const suite = useGateway(kind);
  const ws = uniqueWorkspace('bad-args');
  /** Cursors of real things: a job in the default order, and an event of another job. */
  let jobCursor: string;
  let otherJobsEvent: string;

  beforeAll(async () => {
    await createJobIn(suite.base, ws, 'watched');
    await createJobIn(suite.base, ws, 'other');
    const res = await gql(
      suite.base,
      `query ($ws: String!) {
        jobs(workspace: $ws, first: 1) { edges { cursor } }
        other: job(workspace: $ws, name: "other") { events { nodes { cursor } } }
      }`,
      { ws },
    );
    jobCursor = res.data.jobs.edges[0].cursor;
    otherJobsEvent = res.data.other.events.nodes[0].cursor;
  });

  // The gateway runs in this process: whatever it logs goes through this console.
  let logged: unknown[][];
  beforeEach(() => {
    logged = [];
    for (const level of ['error', 'warn'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args));
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['first above 100', { first: 1000 }, 'Argument "first" of "jobs" must be between 0 and 100.'],
    ['a negative first', { first: -1 }, 'Argument "first" of "jobs" must be between 0 and 100.'],
    ['last above 100', { last: 101 }, 'Argument "last" of "jobs" must be between 0 and 100.'],
    [
      'both first and last',
      { first: 1, last: 1 },
      'Argument "last" of "jobs" cannot be given together with "first".',
    ],
    ['a malformed after', { after: 'garbage' }, 'Invalid cursor "garbage" for argument "after" of "jobs".'],
    [
      'a malformed before',
      { before: 'garbage' },
      'Invalid cursor "garbage" for argument "before" of "jobs".',
    ],
  ])('jobs with %s is BAD_USER_INPUT naming the argument', async (_, args, message) => {
    const res = await gql(suite.base, JOBS_PAGE, { ws, ...args });
    expect(res).toEqual({ data: null, errors: [badUserInput(message)] });
    expect(logged).toEqual([]);
  });

  it('jobs refuses a cursor made under another order, and takes it under its own', async () => {
    const other = await gql(suite.base, JOBS_PAGE, { ws, after: jobCursor, orderBy: { field: 'SOURCE' } });
    expect(other).toEqual({
      data: null,
      errors: [badUserInput(`Invalid cursor "${jobCursor}" for argument "after" of "jobs".`)],
    });
    const own = await gql(suite.base, JOBS_PAGE, { ws, after: jobCursor });
    expect(own.errors).toBeUndefined();
    expect(own.data.jobs.edges).toHaveLength(1);
    expect(logged).toEqual([]);
  });

  it.each([
    ['first above 500', { first: 501 }, 'Argument "first" of "events" must be between 0 and 500.'],
    ['a negative first', { first: -1 }, 'Argument "first" of "events" must be between 0 and 500.'],
    ['a malformed after', { after: 'garbage' }, 'Invalid cursor "garbage" for argument "after" of "events".'],
  ])('Job.events with %s is BAD_USER_INPUT, not a job that reads as missing', async (_, args, message) => {
    const res = await gql(suite.base, JOB_EVENTS_PAGE, { ws, name: 'watched', ...args });
    // `events` cannot be null, so its error nulls the (nullable) job; the error says why.
    expect(res).toEqual({ data: { job: null }, errors: [badUserInput(message)] });
    expect(logged).toEqual([]);
  });

  it("Job.events after another job's event is BAD_USER_INPUT, not a restart from the first event", async () => {
    const res = await gql(suite.base, JOB_EVENTS_PAGE, { ws, name: 'watched', after: otherJobsEvent });
    expect(res).toEqual({
      data: { job: null },
      errors: [badUserInput(`Invalid cursor "${otherJobsEvent}" for argument "after" of "events".`)],
    });
    expect(logged).toEqual([]);
  });

  it('a jobStatus subscription over SSE with a malformed after answers one BAD_USER_INPUT error, then completes', async () => {
    const stream = await openEventStream(`${suite.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `subscription ($ws: String!) { jobStatus(workspace: $ws, name: "watched", after: "garbage") { status } }`,
        variables: { ws },
      }),
    });
    await stream.until((s) => s.ended);
    const next = stream.events.filter((e) => e.event === 'next').map((e) => JSON.parse(e.data));
    expect(next).toEqual([
      { errors: [badUserInput('Invalid cursor "garbage" for argument "after" of "jobStatus".')] },
    ]);
    expect(stream.events.at(-1)?.event).toBe('complete');
    expect(logged).toEqual([]);
  });

  it('over graphql-ws: jobEvents and jobStatus with a malformed after, and a query with a bad page size', async () => {
    const client = wsClient(suite.base);
    const cases = [
      [
        `subscription ($ws: String!) { jobEvents(workspace: $ws, after: "12-x") { status } }`,
        'Invalid cursor "12-x" for argument "after" of "jobEvents".',
      ],
      [
        `subscription ($ws: String!) { jobStatus(workspace: $ws, name: "watched", after: "x") { status } }`,
        'Invalid cursor "x" for argument "after" of "jobStatus".',
      ],
      [
        `query ($ws: String!) { jobs(workspace: $ws, first: 1000) { totalCount } }`,
        'Argument "first" of "jobs" must be between 0 and 100.',
      ],
    ];
    for (const [query, message] of cases) {
      const sub = subscribe(client, query, { ws });
      await sub.until(() => sub.completed);
      expect(sub.received, query).toEqual([]);
      expect(sub.errors, query).toEqual([badUserInput(message)]);
    }
    await client.dispose();
    expect(logged).toEqual([]);
  });

  it('a cursor from the job’s own history still pages it', async () => {
    await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs/watched/pause`);
    const all = await gql(suite.base, JOB_EVENTS_PAGE, { ws, name: 'watched' });
    const first = await gql(
      suite.base,
      `query ($ws: String!) { job(workspace: $ws, name: "watched") { events(first: 1) { edges { cursor } } } }`,
      { ws },
    );
    const after = first.data.job.events.edges[0].cursor;
    const rest = await gql(suite.base, JOB_EVENTS_PAGE, { ws, name: 'watched', after });
    expect(rest.errors).toBeUndefined();
    expect(rest.data.job.events.nodes).toEqual(all.data.job.events.nodes.slice(1));
    expect(rest.data.job.events.nodes).toEqual([{ status: 'PAUSING' }]);
  });
});
