/**
 * A plain JSON query or mutation runs on the lean path (src/graphql/lean-post.ts); a request with
 * anything more (here: `extensions`) goes through Yoga. Both must answer alike: the same status,
 * content type and body, for results with and without errors, and the operation is counted in
 * the GraphQL metrics either way.
 */
import { describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { http, JOBS, useGateway } from './support/gateway.js';

describe.each(databaseKinds)('the lean GraphQL path on $name', (kind) => {
  const suite = useGateway(kind, { executor: false });

  /** The same request on the lean path and through Yoga. */
  async function both(body: Record<string, unknown>) {
    const lean = await http(suite.base, 'POST', '/graphql', body);
    const yoga = await http(suite.base, 'POST', '/graphql', { ...body, extensions: {} });
    return { lean, yoga };
  }

  const shape = (res: Awaited<ReturnType<typeof http>>) => ({
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: res.body,
  });

  it('answers queries, typed errors and execution errors as Yoga does', async () => {
    const ws = uniqueWorkspace();
    await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps('seen'));
    const requests: Record<string, unknown>[] = [
      { query: `{ job(workspace: "${ws}", name: "seen") { name status steps { name status } } }` },
      {
        query: 'query One($w: String!, $n: String!) { job(workspace: $w, name: $n) { name } }',
        variables: { w: ws, n: 'missing' },
        operationName: 'One',
      },
      {
        query: `mutation { pauseJob(workspace: "${ws}", name: "missing") { __typename ... on JobNotFoundError { message } } }`,
      },
      // A variable not given: an execution error, no data.
      { query: 'query ($n: String!) { job(workspace: "x", name: $n) { name } }', variables: {} },
      // A value the argument's own rules refuse: BAD_USER_INPUT.
      { query: `{ jobs(workspace: "${ws}", first: -1) { totalCount } }` },
    ];
    for (const request of requests) {
      const { lean, yoga } = await both(request);
      expect(shape(lean), JSON.stringify(request)).toEqual(shape(yoga));
    }
  });

  it('answers a mutation that changes a job once, with the job as changed', async () => {
    const ws = uniqueWorkspace();
    await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps('moved'));
    const res = await http(suite.base, 'POST', '/graphql', {
      query:
        'mutation ($w: String!) { pauseJob(workspace: $w, name: "moved") { ... on PauseJobSuccess { job { status } } } }',
      variables: { w: ws },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ data: { pauseJob: { job: { status: 'PAUSING' } } } });
    const job = await http(suite.base, 'GET', `${JOBS}/workspaces/${ws}/jobs/moved`);
    expect(job.body.status).toBe('pausing');
  });

  it('leaves what it does not handle to Yoga: bad JSON, a document that does not validate', async () => {
    const bad = await http(suite.base, 'POST', '/graphql', '{"query": ');
    expect(bad.status).toBe(400);
    const { lean, yoga } = await both({ query: '{ nope }' });
    expect(shape(lean)).toEqual(shape(yoga));
    expect(lean.body.errors[0].message).toMatch(/Cannot query field "nope"/);
  });

  it('counts its operations in the GraphQL metrics', async () => {
    const before = await countOf('LeanCounted');
    await http(suite.base, 'POST', '/graphql', { query: 'query LeanCounted { __typename }' });
    expect(await countOf('LeanCounted')).toBe(before + 1);
  });

  async function countOf(operationName: string): Promise<number> {
    const text = (await http(suite.base, 'GET', '/metrics')).text;
    const line = text
      .split('\n')
      .find(
        (l) => l.startsWith('graphql_envelop_request{') && l.includes(`operationName="${operationName}"`),
      );
    return line ? Number(line.split(' ').at(-1)) : 0;
  }
});
