/**
 * `GET …/jobs/{name}/events`: a job's status changes as server-sent events, resumable with
 * Last-Event-ID, ending after a terminal status, and releasing its feed subscription on disconnect.
 */
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { authenticate, type AccessEnv } from '../src/rest/access.js';
import { jobEventRoutes } from '../src/rest/events.js';
import { databaseKinds } from './support/databases.js';
import { uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, useGateway } from './support/gateway.js';
import { createJobIn } from './support/lifecycle.js';
import { openEventStream, SSEParser, type EventStream, type ServerSentEvent } from './support/sse.js';

/** The parsed `data` of each `status` event. */
const statusEvents = (stream: EventStream) =>
  stream.events.filter((e) => e.event === 'status').map((e) => JSON.parse(e.data));
const statuses = (stream: EventStream) => statusEvents(stream).map((e) => e.status);

describe.each(databaseKinds)('job status events over REST SSE on $name', (kind) => {
  const suite = useGateway(kind);
  const workspace = uniqueWorkspace('events');
  const job = (name: string) => `${JOBS}/workspaces/${workspace}/jobs/${name}`;
  const act = async (name: string, action: 'pause' | 'resume' | 'cancel') =>
    expect((await http(suite.base, 'POST', `${job(name)}/${action}`, {})).status).toBe(200);
  const stepTo = async (name: string, status: string) =>
    expect((await http(suite.base, 'PATCH', `${job(name)}/steps/step-a/status`, { status })).status).toBe(
      200,
    );
  const open = (name: string, headers: Record<string, string> = {}, query = '') =>
    openEventStream(`${suite.base}${job(name)}/events${query}`, { headers });

  it('sends the current state, then each change live, each with its cursor as the event id', async () => {
    const created = await createJobIn(suite.base, workspace, 'live');
    const stream = await open('live');
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await stream.until((s) => s.events.length >= 1);
    const [first] = stream.events;
    const data = JSON.parse(first.data);
    expect(first.event).toBe('status');
    expect(first.id).toBe(data.cursor);
    expect(data).toEqual({
      cursor: expect.stringMatching(/^\d+-\d+$/),
      job_id: created.id,
      workspace,
      name: 'live',
      status: 'created',
      previous_status: null,
      occurred_at: created.created_at,
    });

    await act('live', 'pause');
    await stream.until((s) => s.events.length >= 2);
    expect(statusEvents(stream)[1]).toMatchObject({
      status: 'pausing',
      previous_status: 'created',
      job_id: created.id,
    });
    expect(stream.events[1].id).toBe(statusEvents(stream)[1].cursor);
    expect(stream.ended).toBe(false);

    stream.close();
    await expect.poll(() => suite.server.gateway.feed.subscriberCount, { timeout: 5000 }).toBe(0);
  });

  it('replays exactly the events after Last-Event-ID, in order, then carries on live', async () => {
    await createJobIn(suite.base, workspace, 'replayed');
    const first = await open('replayed');
    await first.until((s) => s.events.length >= 1);
    await act('replayed', 'pause');
    await stepTo('replayed', 'paused');
    await first.until((s) => s.events.length >= 3);
    expect(statuses(first)).toEqual(['created', 'pausing', 'paused']);
    first.close();
    // Changes while nobody listens.
    await act('replayed', 'resume');
    await act('replayed', 'cancel');

    const seen = first.events.map((e) => e.id!);
    const resumed = await open('replayed', { 'last-event-id': seen[1] });
    await resumed.until((s) => s.events.length >= 3);
    expect(statuses(resumed)).toEqual(['paused', 'resuming', 'cancelling']);
    expect(resumed.events[0].id).toBe(seen[2]);

    await stepTo('replayed', 'cancelled');
    await resumed.until((s) => s.ended);
    expect(statuses(resumed)).toEqual(['paused', 'resuming', 'cancelling', 'cancelled']);
    const ids = resumed.events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(statusEvents(resumed).map((e) => e.previous_status)).toEqual([
      'pausing',
      'paused',
      'resuming',
      'cancelling',
    ]);
  });

  it('takes the cursor from `?after=` too, and prefers a Last-Event-ID, which a reconnecting EventSource adds', async () => {
    await createJobIn(suite.base, workspace, 'after-param');
    const first = await open('after-param');
    await first.until((s) => s.events.length >= 1);
    await act('after-param', 'pause');
    await first.until((s) => s.events.length >= 2);
    first.close();
    const [createdAt, pausingAt] = first.events.map((e) => e.id!);

    const byQuery = await open('after-param', {}, `?after=${createdAt}`);
    await byQuery.until((s) => s.events.length >= 1);
    expect(statuses(byQuery)).toEqual(['pausing']);
    byQuery.close();

    const both = await open('after-param', { 'last-event-id': pausingAt }, `?after=${createdAt}`);
    await act('after-param', 'cancel');
    await stepTo('after-param', 'cancelled');
    await both.until((s) => s.ended);
    expect(statuses(both)).toEqual(['cancelling', 'cancelled']);
  });

  it('ends the stream after a terminal status', async () => {
    await createJobIn(suite.base, workspace, 'ends');
    const stream = await open('ends');
    await stream.until((s) => s.events.length >= 1);
    await act('ends', 'cancel');
    await stream.until((s) => s.ended);
    expect(statuses(stream)).toEqual(['created', 'cancelled']);

    // A job that is already over: its final state, and the end.
    const again = await open('ends');
    await again.until((s) => s.ended);
    expect(statuses(again)).toEqual(['cancelled']);
    await expect.poll(() => suite.server.gateway.feed.subscriberCount, { timeout: 5000 }).toBe(0);
  });

  it('answers a reconnect after the terminal event with 204, so an EventSource stops', async () => {
    await createJobIn(suite.base, workspace, 'over');
    await act('over', 'cancel');
    const stream = await open('over');
    await stream.until((s) => s.ended);
    expect(statuses(stream).at(-1)).toBe('cancelled');
    const res = await http(suite.base, 'GET', `${job('over')}/events`, undefined, {
      'last-event-id': stream.events.at(-1)!.id!,
    });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it("replays a deleted job's history from a cursor; past its end the job is a 404", async () => {
    await createJobIn(suite.base, workspace, 'deleted');
    const stream = await open('deleted');
    await stream.until((s) => s.events.length >= 1);
    await act('deleted', 'cancel');
    await stream.until((s) => s.ended);
    expect((await http(suite.base, 'DELETE', job('deleted'))).status).toBe(204);

    const replay = await open('deleted', { 'last-event-id': stream.events[0].id! });
    await replay.until((s) => s.ended);
    expect(statuses(replay)).toEqual(['cancelled']);
    const gone = await http(suite.base, 'GET', `${job('deleted')}/events`, undefined, {
      'last-event-id': stream.events[1].id!,
    });
    expect(gone.status).toBe(404);
  });

  it("is a 404 naming the job and workspace for a job that doesn't exist", async () => {
    const res = await http(suite.base, 'GET', `${job('missing')}/events`, undefined, {
      accept: 'text/event-stream',
    });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: `Job 'missing' not found in workspace '${workspace}'.` });
  });

  it('is a 422 for a cursor that is not one, from the header or the query', async () => {
    await createJobIn(suite.base, workspace, 'bad-cursor');
    const byHeader = await http(suite.base, 'GET', `${job('bad-cursor')}/events`, undefined, {
      'last-event-id': 'yesterday',
    });
    expect(byHeader.status).toBe(422);
    expect(byHeader.body).toEqual({ detail: "Invalid cursor 'yesterday'." });
    const byQuery = await http(suite.base, 'GET', `${job('bad-cursor')}/events?after=12-x`);
    expect(byQuery.status).toBe(422);
    expect(byQuery.body).toEqual({ detail: "Invalid cursor '12-x'." });
    expect(suite.server.gateway.feed.subscriberCount).toBe(0);
  });

  it('sends `: keep-alive` comments while nothing happens, and releases the feed when the reader cancels', async () => {
    await createJobIn(suite.base, workspace, 'quiet');
    // The route alone, behind the authentication every REST route has, with a short heartbeat.
    const app = new Hono<AccessEnv>()
      .use(authenticate(suite.server.gateway.access))
      .route('/', jobEventRoutes(suite.server.gateway.feed, suite.server.gateway.jobs, { heartbeatMs: 20 }));
    const res = await app.request(`/workspaces/${workspace}/jobs/quiet/events`);
    expect(res.status).toBe(200);
    const events: ServerSentEvent[] = [];
    const comments: string[] = [];
    const parser = new SSEParser(
      (e) => events.push(e),
      (c) => comments.push(c),
    );
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    while (events.length === 0 || !comments.includes('keep-alive')) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    expect(comments).toContain('keep-alive');
    expect(events.map((e) => JSON.parse(e.data).status)).toEqual(['created']);
    expect(suite.server.gateway.feed.subscriberCount).toBe(1);
    await reader.cancel();
    await expect.poll(() => suite.server.gateway.feed.subscriberCount, { timeout: 5000 }).toBe(0);
  });
});
