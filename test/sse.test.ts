/** GraphQL over SSE (distinct connections mode) at /graphql: jobStatus as a browser's fetch sees it. */
import { describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, useGateway } from './support/gateway.js';
import { createJobIn } from './support/lifecycle.js';
import { openEventStream, type EventStream } from './support/sse.js';

const JOB_STATUS = `subscription Status($workspace: String!, $name: String!) {
  jobStatus(workspace: $workspace, name: $name) { status previousStatus cursor job { name status } }
}`;

/** The `data` of each `next` event, parsed. */
const results = (stream: EventStream) =>
  stream.events
    .filter((e) => e.event === 'next')
    .map((e) => JSON.parse(e.data) as { data?: any; errors?: any[] });
const statuses = (stream: EventStream) => results(stream).map((r) => r.data?.jobStatus.status);

describe.each(databaseKinds)('GraphQL subscriptions over SSE on $name', (kind) => {
  const suite = useGateway(kind);
  const workspace = uniqueWorkspace('sse');
  const job = (name: string) => `${JOBS}/workspaces/${workspace}/jobs/${name}`;

  const post = (variables: Record<string, unknown>) =>
    openEventStream(`${suite.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: JOB_STATUS, variables }),
    });

  it('sends the current state, then the PAUSING event after a REST pause', async () => {
    await createJobIn(suite.base, workspace, 'paused-over-rest');
    const stream = await post({ workspace, name: 'paused-over-rest' });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await stream.until((s) => results(s).length >= 1);
    expect(results(stream)[0].data.jobStatus).toMatchObject({
      status: 'CREATED',
      previousStatus: null,
      job: { name: 'paused-over-rest', status: 'CREATED' },
    });

    expect((await http(suite.base, 'POST', `${job('paused-over-rest')}/pause`, {})).status).toBe(200);
    await stream.until((s) => results(s).length >= 2);
    expect(results(stream)[1].data.jobStatus).toMatchObject({
      status: 'PAUSING',
      previousStatus: 'CREATED',
      job: { status: 'PAUSING' },
    });
    expect(results(stream)[1].data.jobStatus.cursor).not.toBe(results(stream)[0].data.jobStatus.cursor);
    expect(stream.ended).toBe(false);
    stream.close();
  });

  it('completes the stream after a terminal status: CANCELLED, then `event: complete`', async () => {
    await createJobIn(suite.base, workspace, 'cancelled-over-rest');
    const stream = await post({ workspace, name: 'cancelled-over-rest' });
    await stream.until((s) => results(s).length >= 1);

    expect((await http(suite.base, 'POST', `${job('cancelled-over-rest')}/cancel`, {})).status).toBe(200);
    await stream.until((s) => s.ended);
    expect(statuses(stream)).toEqual(['CREATED', 'CANCELLED']);
    expect(stream.events.map((e) => e.event)).toEqual(['next', 'next', 'complete']);
  });

  it('serves the same subscription to a GET with `Accept: text/event-stream`', async () => {
    await createJobIn(suite.base, workspace, 'watched-by-get');
    const params = new URLSearchParams({
      query: JOB_STATUS,
      variables: JSON.stringify({ workspace, name: 'watched-by-get' }),
    });
    const stream = await openEventStream(`${suite.base}/graphql?${params}`);
    expect(stream.status).toBe(200);
    await stream.until((s) => results(s).length >= 1);
    expect(statuses(stream)).toEqual(['CREATED']);

    expect((await http(suite.base, 'POST', `${job('watched-by-get')}/cancel`, {})).status).toBe(200);
    await stream.until((s) => s.ended);
    expect(statuses(stream)).toEqual(['CREATED', 'CANCELLED']);
  });

  it('answers a missing job with one NOT_FOUND error, then completes', async () => {
    const stream = await post({ workspace, name: 'never-created' });
    await stream.until((s) => s.ended);
    expect(results(stream)).toEqual([
      {
        errors: [
          expect.objectContaining({
            message: `Job 'never-created' not found in workspace '${workspace}'.`,
            extensions: { code: 'NOT_FOUND' },
          }),
        ],
      },
    ]);
    expect(stream.events.at(-1)?.event).toBe('complete');
  });
});
