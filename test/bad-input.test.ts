/**
 * Input the database could not store, and bodies too large to read, on every door: a NUL in a
 * path, query or body string, a lone surrogate, JSON nested 100,000 deep, a 3 MB GraphQL document.
 * Each gets its documented 4xx naming the field, nothing is written, and the server carries on.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, subscribe, useGateway, wsClient } from './support/gateway.js';

const NUL_MESSAGE = 'text must not contain NUL characters (\\u0000)';

/** A POST whose body is sent in chunks, without a Content-Length. */
function postChunked(base: string, path: string, chunks: string[]) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe.each(databaseKinds)('input the database cannot store, on $name', (kind) => {
  const suite = useGateway(kind, { executor: false });

  const jobCount = async (ws: string) =>
    (await http(suite.base, 'GET', `${JOBS}/workspaces/${ws}/jobs`)).body.pagination.total_results;

  describe('REST', () => {
    it('answers 422 at the path parameter holding a NUL', async () => {
      const res = await http(suite.base, 'GET', `${JOBS}/workspaces/a%00b/jobs/x`);
      expect(res.status).toBe(422);
      expect(res.body.detail).toEqual([
        {
          type: 'value_error',
          loc: ['path', 'workspace'],
          msg: `Value error, ${NUL_MESSAGE}`,
          input: 'a\0b',
        },
      ]);
    });

    it('answers 422 at the query parameter holding a NUL', async () => {
      const res = await http(suite.base, 'GET', `${JOBS}/workspaces/default/jobs?filter[source]=a%00b`);
      expect(res.status).toBe(422);
      expect(res.body.detail[0].loc).toEqual(['query', 'filter[source]']);
    });

    it('answers 422 at the body field holding a NUL or a lone surrogate, and writes nothing', async () => {
      const ws = uniqueWorkspace('nul');
      const withNul = { ...jobWithSteps('has-nul'), description: 'a\u0000b' };
      const nul = await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, withNul);
      expect(nul.status).toBe(422);
      expect(nul.body.detail).toEqual([
        expect.objectContaining({ type: 'value_error', loc: ['body', 'description'], input: 'a\0b' }),
      ]);

      // A JSON escape of half a surrogate pair; JSON.stringify would write it out whole.
      const body = JSON.stringify(jobWithSteps('lone-half')).replace(
        '"purpose":"test"',
        '"purpose":"\\ud800"',
      );
      const lone = await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, body);
      expect(lone.status).toBe(422);
      expect(lone.body.detail[0]).toMatchObject({
        type: 'value_error',
        loc: ['body', 'spec', 'purpose'],
        msg: 'Value error, text must be valid Unicode (it holds an unpaired surrogate)',
      });
      expect(await jobCount(ws)).toBe(0);
    });

    it('refuses JSON nested 100,000 deep with a 422, and stays up', async () => {
      const ws = uniqueWorkspace('deep');
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      const spec = `{"name":"deep","source":"t","spec":{"x":${deep}},"platform_spec":{"steps":[]}}`;
      const res = await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, spec);
      expect(res.status).toBe(422);
      expect(res.body.detail[0]).toMatchObject({
        type: 'json_invalid',
        ctx: { error: 'input must not be nested more than 64 levels deep' },
      });
      expect(await jobCount(ws)).toBe(0);
      expect((await http(suite.base, 'GET', '/healthz')).status).toBe(200);
    });

    it('counts a chunked body (no Content-Length) as it arrives: 413 over 1 MiB, read as usual under it', async () => {
      const ws = uniqueWorkspace();
      const piece = ' '.repeat(256 * 1024);
      const huge = await postChunked(suite.base, `${JOBS}/workspaces/${ws}/jobs`, [
        '{"name": "chunked",',
        ...Array.from({ length: 5 }, () => piece),
        '"source": "t"}',
      ]);
      expect(huge.status).toBe(413);
      expect(JSON.parse(huge.body)).toEqual({ detail: 'Request body is larger than 1048576 bytes.' });
      expect(await jobCount(ws)).toBe(0);

      const body = JSON.stringify(jobWithSteps('chunked'));
      const created = await postChunked(suite.base, `${JOBS}/workspaces/${ws}/jobs`, [
        body.slice(0, 10),
        body.slice(10),
      ]);
      expect(created.status).toBe(201);
      expect(JSON.parse(created.body)).toMatchObject({ name: 'chunked', status: 'created' });
      const paused = await postChunked(suite.base, `${JOBS}/workspaces/${ws}/jobs/chunked/pause`, ['{', '}']);
      expect(paused.status).toBe(200);
      expect(JSON.parse(paused.body)).toMatchObject({ name: 'chunked', status: 'pausing' });
    });
  });

  describe('GraphQL', () => {
    it('answers BAD_USER_INPUT naming the argument of a literal holding a NUL', async () => {
      const res = await gql(suite.base, '{ job(workspace: "a\\u0000b", name: "x") { name } }');
      expect(res.data).toBeUndefined();
      expect(res.errors).toEqual([
        expect.objectContaining({
          message: `Argument "workspace" of "job": ${NUL_MESSAGE}.`,
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      ]);
    });

    it('answers BAD_USER_INPUT naming the variable, and writes nothing', async () => {
      const ws = uniqueWorkspace('gql-nul');
      const res = await gql(
        suite.base,
        `mutation ($ws: String!, $input: CreateJobInput!) {
          createJob(workspace: $ws, input: $input) { __typename }
        }`,
        {
          ws,
          input: {
            name: 'nul-in-spec',
            source: 't',
            spec: { nested: ['ok', 'a\u0000b'] },
            platformSpec: {
              steps: [{ name: 's', executor: { provider: 'cpu', container: { image: 'x' } } }],
            },
          },
        },
      );
      expect(res.errors).toEqual([
        expect.objectContaining({
          message: `Variable "$input" at "spec.nested.1": ${NUL_MESSAGE}.`,
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      ]);
      expect(await jobCount(ws)).toBe(0);
    });

    it('refuses the same over graphql-ws', async () => {
      const client = wsClient(suite.base);
      try {
        const sub = subscribe(
          client,
          'subscription ($ws: String!) { jobEvents(workspace: $ws) { status } }',
          { ws: 'a\u0000b' },
        );
        await sub.until(() => sub.completed);
        expect(sub.errors.flat()).toEqual([
          expect.objectContaining({ message: `Variable "$ws": ${NUL_MESSAGE}.` }),
        ]);
      } finally {
        await client.dispose();
      }
    });

    it('refuses a body over 1 MiB with 413 before reading it, as REST does', async () => {
      const query = `{${' '.repeat(3_000_000)}__typename }`;
      const res = await http(suite.base, 'POST', '/graphql', { query });
      expect(res.status).toBe(413);
      expect(res.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');

      const rest = await http(suite.base, 'POST', `${JOBS}/workspaces/default/jobs`, {
        pad: ' '.repeat(3_000_000),
      });
      expect(rest.status).toBe(413);
    });

    it('refuses a chunked body (no Content-Length) with 411', async () => {
      const res = await postChunked(suite.base, '/graphql', ['{"query":', '"{ __typename }"}']);
      expect(res.status).toBe(411);
      expect(JSON.parse(res.body).errors[0].extensions.code).toBe('LENGTH_REQUIRED');
      const ok = await gql(suite.base, '{ __typename }');
      expect(ok.data).toEqual({ __typename: 'Query' });
    });
  });
});
