/**
 * Access control on subscriptions: the token in graphql-ws's connection_init and in the header of
 * GraphQL over SSE, and its live effect: a role removed, or a token expired, ends a subscription
 * that is already open.
 */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { subscribe, wsClient } from './support/gateway.js';
import { memberEmail, ROOT, useAccessGateway } from './support/graphql-access.js';
import { openEventStream, type EventStream } from './support/sse.js';

const JOB_STATUS = /* GraphQL */ `
  subscription ($workspace: String!, $name: String!) {
    jobStatus(workspace: $workspace, name: $name) {
      status
      actor
    }
  }
`;
const JOB_EVENTS = /* GraphQL */ `
  subscription ($workspace: String!) {
    jobEvents(workspace: $workspace) {
      status
      job {
        name
      }
    }
  }
`;
const JOB_LOGS = /* GraphQL */ `
  subscription ($workspace: String!, $name: String!) {
    jobLogs(workspace: $workspace, name: $name) {
      message
    }
  }
`;
const PAUSE = /* GraphQL */ `
  mutation ($workspace: String!, $name: String!) {
    pauseJob(workspace: $workspace, name: $name) {
      __typename
    }
  }
`;
const REMOVE_MEMBER = /* GraphQL */ `
  mutation ($workspace: String!, $principal: String!) {
    removeWorkspaceMember(workspace: $workspace, principal: $principal) {
      __typename
    }
  }
`;

type Status = { jobStatus: { status: string; actor: string | null } };
/** What a closed socket gives the graphql-ws client's error sink. */
type Closed = { code: number; reason: string };

/** Long enough for a revocation to take effect (the promise is 5 s), short enough to fail a test. */
const LIVE_EFFECT_MS = 10_000;

const nextPayloads = (stream: EventStream) =>
  stream.events.filter((e) => e.event === 'next').map((e) => JSON.parse(e.data) as Record<string, any>);

describe.each(databaseKinds)('subscription access control on $name', (kind) => {
  const access = useAccessGateway(kind);
  const { suite } = access;
  const bearer = async (email: string, expiresIn?: number) =>
    `Bearer ${await access.tokenFor(email, undefined, expiresIn)}`;
  const sse = async (authorization: string | undefined, query: string, variables: Record<string, unknown>) =>
    openEventStream(`${suite.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ query, variables }),
    });

  describe('graphql-ws', () => {
    it.each([
      ['no token', async () => ({})],
      ['a malformed token', async () => ({ Authorization: 'Bearer not-a-jwt' })],
      [
        'an expired token',
        async () => ({ Authorization: `Bearer ${await suite.issuer.mint({}, { expiresIn: -120 })}` }),
      ],
      ['an unsigned token', async () => ({ Authorization: `Bearer ${suite.issuer.mintUnsigned()}` })],
    ])('closes the socket with 4403 for %s in connection_init', async (_, params) => {
      const client = wsClient(suite.base, { connectionParams: await params() });
      const sub = subscribe(client, JOB_EVENTS, { workspace: 'default' });
      await sub.until(() => sub.completed);
      expect(sub.received).toEqual([]);
      expect((sub.errors[0] as Closed).code).toBe(4403);
      await client.dispose();
    });

    it('reads the Authorization key in any case', async () => {
      const workspace = await access.workspaceWithMembers('ws-key');
      for (const key of ['Authorization', 'authorization', 'AUTHORIZATION']) {
        const client = wsClient(suite.base, {
          connectionParams: { [key]: await bearer(memberEmail('Viewer')) },
        });
        const sub = subscribe<Status>(client, JOB_STATUS, { workspace, name: 'job-1' });
        await sub.until(() => sub.received.length === 1);
        expect(sub.received[0].jobStatus.status).toBe('CREATED');
        await client.dispose();
      }
    });

    it('refuses a subscription in a workspace the caller may not read: FORBIDDEN, no events', async () => {
      const workspace = await access.workspaceWithMembers('ws-refused');
      const client = wsClient(suite.base, {
        connectionParams: { Authorization: await bearer(memberEmail('outsider')) },
      });
      for (const [query, variables] of [
        [JOB_STATUS, { workspace, name: 'job-1' }],
        [JOB_STATUS, { workspace, name: 'no-such-job' }],
        [JOB_EVENTS, { workspace }],
        [JOB_LOGS, { workspace, name: 'job-1' }],
        [JOB_LOGS, { workspace, name: 'no-such-job' }],
      ] as const) {
        const sub = subscribe(client, query, variables);
        await sub.until(() => sub.completed);
        expect(sub.received).toEqual([]);
        expect(sub.errors).toHaveLength(1);
        expect(sub.errors[0]).toMatchObject({
          message: `Principal '${memberEmail('outsider')}' may not read jobs, their steps, status, logs or events in workspace '${workspace}'.`,
          extensions: { code: 'FORBIDDEN' },
        });
        expect((sub.errors[0] as { extensions: object }).extensions).not.toHaveProperty('http');
      }
      await client.dispose();
    });

    it('a removed role ends an open subscription with FORBIDDEN, and no later event reaches it', async () => {
      const workspace = await access.workspaceWithMembers('ws-revoke');
      const watcher = wsClient(suite.base, {
        connectionParams: { Authorization: await bearer(memberEmail('Viewer')) },
      });
      const root = wsClient(suite.base, {
        connectionParams: { Authorization: await bearer('root@example.com') },
      });
      const revoked = subscribe<Status>(watcher, JOB_STATUS, { workspace, name: 'job-1' });
      const control = subscribe<Status>(root, JOB_STATUS, { workspace, name: 'job-1' });
      await revoked.until(() => revoked.received.length === 1);
      await control.until(() => control.received.length === 1);

      await access.asRoot(REMOVE_MEMBER, { workspace, principal: memberEmail('Viewer') });
      await revoked.until(() => revoked.completed, LIVE_EFFECT_MS);
      expect(revoked.errors).toHaveLength(1);
      expect(revoked.errors[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });

      await access.asRoot(PAUSE, { workspace, name: 'job-1' });
      await control.until(() => control.received.length === 2);
      expect(control.received[1].jobStatus.status).toBe('PAUSING');
      expect(revoked.received.map((r) => r.jobStatus.status)).toEqual(['CREATED']);
      await watcher.dispose();
      await root.dispose();
    });

    it('a removed role ends an open jobLogs subscription with FORBIDDEN, and no later line reaches it', async () => {
      const workspace = await access.workspaceWithMembers('ws-logs');
      const { gateway } = suite.server;
      const job = await gateway.jobs.get(workspace, 'job-1');
      // This gateway runs no executor: the lines are stored as the executor stores them.
      let sequence = 0;
      const print = (message: string) =>
        gateway.jobs.appendLogs([
          {
            jobId: job.id,
            step: 'step-a',
            sequence: sequence++,
            stream: 'stdout',
            message,
            timestamp: new Date(),
          },
        ]);
      const watcher = wsClient(suite.base, {
        connectionParams: { Authorization: await bearer(memberEmail('Viewer')) },
      });
      const root = wsClient(suite.base, { connectionParams: { Authorization: await bearer(ROOT) } });
      type Lines = { jobLogs: { message: string } };
      const revoked = subscribe<Lines>(watcher, JOB_LOGS, { workspace, name: 'job-1' });
      const control = subscribe<Lines>(root, JOB_LOGS, { workspace, name: 'job-1' });
      await print('before');
      await revoked.until(() => revoked.received.length === 1);
      await control.until(() => control.received.length === 1);

      await access.asRoot(REMOVE_MEMBER, { workspace, principal: memberEmail('Viewer') });
      await revoked.until(() => revoked.completed, LIVE_EFFECT_MS);
      expect(revoked.errors).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })]);

      await print('after');
      await control.until(() => control.received.length === 2);
      expect(revoked.received.map((r) => r.jobLogs.message)).toEqual(['before']);
      await watcher.dispose();
      await root.dispose();
    });

    it('closes the socket with 4403 when the token expires, even on a server busy at that moment', async () => {
      const workspace = await access.workspaceWithMembers('ws-expiry');
      const token = await access.tokenFor(memberEmail('Viewer'), undefined, 4);
      const expiresAt = decodeJwt(token).exp! * 1000;
      const client = wsClient(suite.base, { connectionParams: { Authorization: `Bearer ${token}` } });
      const sub = subscribe<Status>(client, JOB_STATUS, { workspace, name: 'job-1' });
      await sub.until(() => sub.received.length === 1);
      // The gateway runs in this process: hold its event loop from a second before the expiry to
      // just after, so that every timer due in that second (the socket's expiry, the review of
      // open subscriptions) runs late and at once, as on a loaded machine.
      await new Promise((resolve) => setTimeout(resolve, expiresAt - 1_100 - Date.now()));
      while (Date.now() < expiresAt + 50);
      await sub.until(() => sub.completed, LIVE_EFFECT_MS);
      // The socket closes, and nothing else is said first (no UNAUTHENTICATED for the subscription).
      expect(sub.errors).toEqual([expect.objectContaining({ code: 4403 })]);
      await client.dispose();
    });
  });

  describe('GraphQL over SSE', () => {
    it('answers 401 before any event without a valid token', async () => {
      for (const authorization of [undefined, 'Bearer not-a-jwt']) {
        const stream = await sse(authorization, JOB_EVENTS, { workspace: 'default' });
        expect(stream.status).toBe(401);
        await stream.until((s) => s.ended);
        expect(nextPayloads(stream).every((p) => !p.data)).toBe(true);
        expect(nextPayloads(stream)[0].errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
      }
    });

    it('answers 403 before any event in a workspace the caller may not read', async () => {
      const workspace = await access.workspaceWithMembers('sse-refused');
      const stream = await sse(await bearer(memberEmail('JobRunner')), JOB_STATUS, {
        workspace,
        name: 'job-1',
      });
      expect(stream.status).toBe(403);
      await stream.until((s) => s.ended);
      expect(nextPayloads(stream)).toEqual([
        { errors: [expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })] },
      ]);
    });

    it('a removed role ends an open jobEvents stream with FORBIDDEN', async () => {
      const workspace = await access.workspaceWithMembers('sse-revoke');
      const stream = await sse(await bearer(memberEmail('Editor')), JOB_EVENTS, { workspace });
      expect(stream.status).toBe(200);
      // The stream is live: a change reaches it. (The job's creation, committed just before the
      // stream opened, may arrive first: the feed may not have read it yet.)
      await access.asRoot(PAUSE, { workspace, name: 'job-1' });
      const statuses = (s: EventStream) => nextPayloads(s).map((p) => p.data?.jobEvents?.status);
      await stream.until((s) => statuses(s).includes('PAUSING'));
      const delivered = nextPayloads(stream).length;

      await access.asRoot(REMOVE_MEMBER, { workspace, principal: memberEmail('Editor') });
      await stream.until((s) => s.ended, LIVE_EFFECT_MS);
      const payloads = nextPayloads(stream);
      expect(payloads).toHaveLength(delivered + 1);
      expect(payloads.at(-1)).toMatchObject({ data: null, errors: [{ extensions: { code: 'FORBIDDEN' } }] });
      expect(stream.events.at(-1)!.event).toBe('complete');
    });

    it('a subscription whose token expires ends with UNAUTHENTICATED', async () => {
      const workspace = await access.workspaceWithMembers('sse-expiry');
      const stream = await sse(await bearer(memberEmail('Viewer'), 3), JOB_STATUS, {
        workspace,
        name: 'job-1',
      });
      expect(stream.status).toBe(200);
      await stream.until((s) => nextPayloads(s).length === 1);
      expect(nextPayloads(stream)[0]).toEqual({ data: { jobStatus: { status: 'CREATED', actor: ROOT } } });
      await stream.until((s) => s.ended, LIVE_EFFECT_MS);
      expect(nextPayloads(stream)[1]).toMatchObject({
        data: null,
        errors: [{ message: 'The token has expired.', extensions: { code: 'UNAUTHENTICATED' } }],
      });
    });
  });
  describe('the REST event stream', () => {
    const restStream = async (authorization: string, workspace: string) =>
      openEventStream(`${suite.base}/apis/jobs/v2/workspaces/${workspace}/jobs/job-1/events`, {
        headers: { authorization },
      });
    const statuses = (s: EventStream) =>
      s.events
        .filter((e) => e.event === 'status')
        .map((e) => (JSON.parse(e.data) as { status: string }).status);

    it('a removed role ends an open stream with an error event, and no later change reaches it', async () => {
      const workspace = await access.workspaceWithMembers('rest-revoke');
      const stream = await restStream(await bearer(memberEmail('Viewer')), workspace);
      expect(stream.status).toBe(200);
      await stream.until((s) => statuses(s).includes('created'));

      await access.asRoot(REMOVE_MEMBER, { workspace, principal: memberEmail('Viewer') });
      await stream.until((s) => s.ended, LIVE_EFFECT_MS);
      await access.asRoot(PAUSE, { workspace, name: 'job-1' });
      expect(statuses(stream)).toEqual(['created']);
      const last = stream.events.at(-1)!;
      expect(last.event).toBe('error');
      expect(JSON.parse(last.data)).toEqual({
        detail: `Principal '${memberEmail('Viewer')}' may not read jobs, their steps, status, logs or events in workspace '${workspace}'.`,
      });
    });

    it('a stream whose token expires ends with an error event', async () => {
      const workspace = await access.workspaceWithMembers('rest-expiry');
      const stream = await restStream(await bearer(memberEmail('Viewer'), 3), workspace);
      expect(stream.status).toBe(200);
      await stream.until((s) => s.ended, LIVE_EFFECT_MS);
      expect(JSON.parse(stream.events.at(-1)!.data)).toEqual({ detail: 'The token has expired.' });
    });
  });
});
