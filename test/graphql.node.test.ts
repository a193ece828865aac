/**
 * Global object identification: `Job.id` and `JobStep.id` are global ids that `node` and `nodes`
 * load back, batched; a malformed id is BAD_USER_INPUT naming the argument; with access control
 * on, a node of a workspace the caller may not read is answered as a missing one.
 */
import { describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, useGateway } from './support/gateway.js';
import { gqlAs, memberEmail, useAccessGateway } from './support/graphql-access.js';

const JOB_IDS = /* GraphQL */ `
  query ($workspace: String!, $name: String!) {
    job(workspace: $workspace, name: $name) {
      id
      jobId
      steps {
        id
        stepId
        name
      }
    }
  }
`;

const NODES = /* GraphQL */ `
  query ($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
      ... on Job {
        jobId
        name
        workspace
      }
      ... on JobStep {
        stepId
        name
      }
    }
  }
`;

const NODE = /* GraphQL */ `
  query ($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Job {
        name
      }
    }
  }
`;

describe.each(databaseKinds)('global ids on $name', (kind) => {
  const statements: string[] = [];
  const suite = useGateway(kind, {
    executor: false,
    onQuery: (sql) => !sql.includes('pg_current_snapshot') && statements.push(sql),
  });

  async function createJob(workspace: string, name: string, steps = 2) {
    const created = await http(
      suite.base,
      'POST',
      `${JOBS}/workspaces/${workspace}/jobs`,
      jobWithSteps(name, steps),
    );
    expect(created.status).toBe(201);
    const res = await gql(suite.base, JOB_IDS, { workspace, name });
    expect(res.errors).toBeUndefined();
    return { rest: created.body, job: res.data.job };
  }

  it('gives jobs and steps opaque global ids, keeping the platform ids as jobId and stepId', async () => {
    const ws = uniqueWorkspace();
    const { rest, job } = await createJob(ws, 'ids');
    expect(job.jobId).toBe(rest.id);
    const tree = await http(suite.base, 'GET', `${JOBS}/workspaces/${ws}/jobs/ids/status`);
    expect(job.steps.map((s: { stepId: string }) => s.stepId)).toEqual(
      tree.body.steps.map((s: { id: string }) => s.id),
    );
    expect(job.id).not.toBe(job.jobId);
    expect(job.id).not.toContain(job.jobId);
    expect(job.steps[0].id).not.toBe(job.steps[0].stepId);
    expect(new Set([job.id, ...job.steps.map((s: { id: string }) => s.id)]).size).toBe(3);
  });

  it('node and nodes load jobs and steps back, in the order asked, nulls for none', async () => {
    const ws = uniqueWorkspace();
    const a = (await createJob(ws, 'job-a')).job;
    const b = (await createJob(ws, 'job-b')).job;
    const single = await gql(suite.base, NODE, { id: a.id });
    expect(single).toEqual({ data: { node: { __typename: 'Job', id: a.id, name: 'job-a' } } });

    // A well-formed id of a job that does not exist, and one of a type that has no nodes.
    const missingJob = Buffer.from('Job:job-does-not-exist').toString('base64');
    const otherType = Buffer.from('Workspace:default').toString('base64');
    const res = await gql(suite.base, NODES, {
      ids: [b.id, a.steps[1].id, missingJob, a.id, otherType],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.nodes).toEqual([
      { __typename: 'Job', id: b.id, jobId: b.jobId, name: 'job-b', workspace: ws },
      { __typename: 'JobStep', id: a.steps[1].id, stepId: a.steps[1].stepId, name: 'step-b' },
      null,
      { __typename: 'Job', id: a.id, jobId: a.jobId, name: 'job-a', workspace: ws },
      null,
    ]);
  });

  it('nodes of many jobs cost the same statements as of two (batched loads)', async () => {
    const ws = uniqueWorkspace();
    const jobs: { id: string; steps: { id: string }[] }[] = [];
    for (let i = 0; i < 12; i++) jobs.push((await createJob(ws, `batch-${i}`, 1)).job);
    const idsOf = (list: typeof jobs) => list.flatMap((job) => [job.id, job.steps[0].id]);
    const cost = async (ids: string[]) => {
      statements.length = 0;
      const res = await gql(suite.base, NODES, { ids });
      expect(res.errors).toBeUndefined();
      expect(res.data.nodes.filter((n: unknown) => n !== null)).toHaveLength(ids.length);
      return statements.length;
    };
    const few = await cost(idsOf(jobs.slice(0, 2)));
    const many = await cost(idsOf(jobs));
    expect(many).toBe(few);
    expect(many).toBeLessThanOrEqual(3);
  });

  it('a malformed global id is BAD_USER_INPUT naming the argument', async () => {
    const single = await gql(suite.base, NODE, { id: 'not a global id' });
    expect(single.data).toEqual({ node: null });
    expect(single.errors).toEqual([
      expect.objectContaining({
        message: 'Argument "id" of "node" is not a global id of this API: "not a global id".',
        extensions: { code: 'BAD_USER_INPUT' },
      }),
    ]);
    const many = await gql(suite.base, NODES, { ids: [Buffer.from('Job:x').toString('base64'), '%%%'] });
    expect(many.data).toBeNull();
    expect(many.errors).toEqual([
      expect.objectContaining({
        message: 'Argument "ids" of "nodes" is not a global id of this API: "%%%".',
        extensions: { code: 'BAD_USER_INPUT' },
      }),
    ]);
  });

  it('refuses more than 100 ids in one nodes call', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => Buffer.from(`Job:j${i}`).toString('base64'));
    const res = await gql(suite.base, NODES, { ids });
    expect(res.errors?.[0]).toMatchObject({
      message: 'Argument "ids" of "nodes" must hold at most 100 ids.',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});

describe.each(databaseKinds)('global ids with access control on $name', (kind) => {
  const fixture = useAccessGateway(kind);

  it('a node of a workspace the caller may not read is null, exactly as a missing one', async () => {
    const ws = await fixture.workspaceWithMembers('node');
    const root = await fixture.asRoot(JOB_IDS, { workspace: ws, name: 'job-1' });
    const { id, steps } = root.job;
    const missing = Buffer.from('Job:job-nobody-has').toString('base64');

    const viewer = await gqlAs(fixture.suite.base, await fixture.tokenFor(memberEmail('Viewer')), NODES, {
      ids: [id, steps[0].id, missing],
    });
    expect(viewer.body.errors).toBeUndefined();
    expect(viewer.body.data.nodes.map((n: { __typename: string } | null) => n?.__typename ?? null)).toEqual([
      'Job',
      'JobStep',
      null,
    ]);

    const outsiderToken = await fixture.tokenFor(memberEmail('outsider'));
    const outsider = await gqlAs(fixture.suite.base, outsiderToken, NODES, {
      ids: [id, steps[0].id, missing],
    });
    expect(outsider.status).toBe(200);
    expect(outsider.body).toEqual({ data: { nodes: [null, null, null] } });
    const one = await gqlAs(fixture.suite.base, outsiderToken, NODE, { id });
    const none = await gqlAs(fixture.suite.base, outsiderToken, NODE, { id: missing });
    expect(one.body).toEqual({ data: { node: null } });
    expect(one.body).toEqual(none.body);
  });
});
