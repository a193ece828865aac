/**
 * Trusted documents: a manifest in the client preset's format (`{ "<hash>": "<document>" }`),
 * documents sent by `documentId` or `extensions.persistedQuery.sha256Hash`, the `only` mode
 * refusing text over HTTP, SSE and graphql-ws alike, and `allow` taking both.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/env.js';
import { readManifest, TrustedDocuments } from '../src/graphql/trusted-documents.js';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, subscribe, useGateway, wsClient } from './support/gateway.js';
import { openEventStream } from './support/sse.js';

const JOB =
  'query Job($workspace: String!, $name: String!) { job(workspace: $workspace, name: $name) { name status } }';
const STATUS =
  'subscription Status($workspace: String!, $name: String!) { jobStatus(workspace: $workspace, name: $name) { status } }';
const NOT_IN_MANIFEST = '{ __typename }';

// The client preset hashes with sha1 unless told otherwise (`hashAlgorithm: 'sha256'`); both work.
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const dir = mkdtempSync(join(tmpdir(), 'trusted-documents-'));
const manifestFile = join(dir, 'persisted-documents.json');
writeFileSync(
  manifestFile,
  JSON.stringify({ [sha1(JOB)]: JOB, [sha256(JOB)]: JOB, [sha256(STATUS)]: STATUS }),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const trusted = (mode: 'allow' | 'only') => new TrustedDocuments(mode, readManifest(manifestFile));

describe('trusted documents settings', () => {
  it('GRAPHQL_TRUSTED_DOCUMENTS is off, allow or only; allow and only need the manifest file', () => {
    expect(loadConfig({}).GRAPHQL_TRUSTED_DOCUMENTS).toBe('off');
    expect(() => loadConfig({ GRAPHQL_TRUSTED_DOCUMENTS: 'only' })).toThrow(
      new ConfigError(
        'Missing GRAPHQL_TRUSTED_DOCUMENTS_FILE: required when GRAPHQL_TRUSTED_DOCUMENTS is only',
      ),
    );
    expect(() => loadConfig({ GRAPHQL_TRUSTED_DOCUMENTS: 'some' })).toThrow(
      'Invalid GRAPHQL_TRUSTED_DOCUMENTS="some": expected off, allow, only',
    );
    const config = loadConfig({
      GRAPHQL_TRUSTED_DOCUMENTS: 'ALLOW',
      GRAPHQL_TRUSTED_DOCUMENTS_FILE: manifestFile,
    });
    expect(config.GRAPHQL_TRUSTED_DOCUMENTS).toBe('allow');
  });

  it('reads the manifest, and refuses one that is not an object of documents', () => {
    expect(readManifest(manifestFile).get(sha256(STATUS))).toBe(STATUS);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ abc: { query: JOB } }));
    expect(() => readManifest(bad)).toThrow('the document of "abc" is not a string');
    writeFileSync(bad, '["x"]');
    expect(() => readManifest(bad)).toThrow('expected a JSON object of document hashes to documents');
  });
});

describe.each(databaseKinds)('trusted documents on $name', (kind) => {
  const only = useGateway(kind, { executor: false, trustedDocuments: trusted('only') });
  const allow = useGateway(kind, { executor: false, trustedDocuments: trusted('allow') });

  async function createJob(base: string) {
    const workspace = uniqueWorkspace();
    const res = await http(base, 'POST', `${JOBS}/workspaces/${workspace}/jobs`, jobWithSteps('job-1'));
    expect(res.status).toBe(201);
    return { workspace, name: 'job-1' };
  }
  const post = (base: string, body: unknown) => http(base, 'POST', '/graphql', body);

  it('only: runs a document named by documentId (POST or GET) or by extensions.persistedQuery', async () => {
    const variables = await createJob(only.base);
    for (const body of [
      { documentId: sha1(JOB), variables },
      { documentId: sha256(JOB), variables },
      { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(JOB) } }, variables },
    ]) {
      const res = await post(only.base, body);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ data: { job: { name: 'job-1', status: 'CREATED' } } });
    }
    const query = new URLSearchParams({ documentId: sha1(JOB), variables: JSON.stringify(variables) });
    const byGet = await http(only.base, 'GET', `/graphql?${query}`, undefined, {
      accept: 'application/json',
    });
    expect(byGet.status, byGet.text).toBe(200);
    expect(byGet.body).toEqual({ data: { job: { name: 'job-1', status: 'CREATED' } } });
  });

  it('only: refuses a document sent as text, an unknown id, and a request with neither, before running anything', async () => {
    const variables = await createJob(only.base);
    const cases: [unknown, string, string][] = [
      [{ query: JOB, variables }, 'TRUSTED_DOCUMENTS_ONLY', 'This server runs trusted documents only'],
      // Even a text that is in the manifest: the rule is about how it is sent.
      [{ query: JOB, documentId: sha1(JOB), variables }, 'TRUSTED_DOCUMENTS_ONLY', 'trusted documents only'],
      [
        { documentId: sha256(NOT_IN_MANIFEST) },
        'PERSISTED_QUERY_NOT_FOUND',
        'No trusted document has the id',
      ],
      [{ variables }, 'BAD_REQUEST', 'No document'],
    ];
    for (const [body, code, message] of cases) {
      const res = await post(only.base, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors).toEqual([
        expect.objectContaining({ message: expect.stringContaining(message), extensions: { code } }),
      ]);
    }
  });

  it('only: GraphQL over SSE takes a trusted document and refuses text', async () => {
    const variables = await createJob(only.base);
    const sse = (body: unknown) =>
      openEventStream(`${only.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const trustedStream = await sse({ documentId: sha256(STATUS), variables });
    expect(trustedStream.status).toBe(200);
    await trustedStream.until((s) => s.events.some((e) => e.event === 'next'));
    expect(JSON.parse(trustedStream.events.find((e) => e.event === 'next')!.data)).toEqual({
      data: { jobStatus: { status: 'CREATED' } },
    });
    trustedStream.close();

    const refused = await sse({ query: STATUS, variables });
    expect(refused.status).toBe(400);
    await refused.until((s) => s.ended);
    expect(refused.events.some((e) => e.data.includes('TRUSTED_DOCUMENTS_ONLY'))).toBe(true);
  });

  it('only: graphql-ws applies the same rule', async () => {
    const variables = await createJob(only.base);
    const client = wsClient(only.base);
    // graphql-ws needs a `query` string: an empty one, with the id beside it as over HTTP.
    const payload = (extra: Record<string, unknown>) =>
      new Promise<{ data?: unknown; errors?: unknown[] }>((resolve) => {
        const results: { data?: unknown; errors?: unknown[] } = {};
        client.subscribe(
          { query: '', variables, ...extra },
          {
            next: (value) => {
              Object.assign(results, value);
              resolve(results);
            },
            error: (error) => resolve({ errors: Array.isArray(error) ? error : [error] }),
            complete: () => resolve(results),
          },
        );
      });
    expect(await payload({ documentId: sha256(STATUS) })).toEqual({
      data: { jobStatus: { status: 'CREATED' } },
    });
    expect(
      await payload({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(STATUS) } } }),
    ).toEqual({ data: { jobStatus: { status: 'CREATED' } } });

    const refused = await payload({ query: STATUS });
    expect(refused.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'TRUSTED_DOCUMENTS_ONLY' } }),
    ]);
    const unknown = await payload({ documentId: 'f00' });
    expect(unknown.errors).toEqual([
      expect.objectContaining({
        message: 'No trusted document has the id "f00".',
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
      }),
    ]);
    await client.dispose();
  });

  it('allow: runs documents sent as text and by id; an unknown id is still refused', async () => {
    const variables = await createJob(allow.base);
    const byText = await post(allow.base, { query: NOT_IN_MANIFEST });
    expect(byText.body).toEqual({ data: { __typename: 'Query' } });
    const byId = await post(allow.base, { documentId: sha1(JOB), variables });
    expect(byId.body).toEqual({ data: { job: { name: 'job-1', status: 'CREATED' } } });
    const unknown = await post(allow.base, { documentId: 'f00' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].extensions).toEqual({ code: 'PERSISTED_QUERY_NOT_FOUND' });

    const client = wsClient(allow.base);
    const sub = subscribe(client, STATUS, variables);
    await sub.until(() => sub.received.length === 1);
    expect(sub.received).toEqual([{ jobStatus: { status: 'CREATED' } }]);
    await client.dispose();
  });
});
