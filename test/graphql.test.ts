/** The GraphQL door: queries, createJob and pauseJob with their typed errors. */
import { getIntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, subscribe, useGateway, wsClient } from './support/gateway.js';
import { reachStatus } from './support/lifecycle.js';

const CREATE = /* GraphQL */ `
  mutation Create($workspace: String!, $input: CreateJobInput!) {
    createJob(workspace: $workspace, input: $input) {
      __typename
      ... on CreateJobSuccess {
        job {
          id
          jobId
          name
          workspace
          source
          status
          fileset
          spec
          customFields
          allowedActions
          platformSpec {
            steps {
              name
              executor {
                __typename
                provider
                profile
                ... on ContainerExecutor {
                  container {
                    image
                    command
                  }
                  resources {
                    numNodes
                    numGpus
                    limits {
                      cpu
                      memory
                    }
                  }
                }
                ... on SubprocessExecutor {
                  command
                }
              }
              environment {
                name
                value
                fromSecret {
                  name
                }
              }
              lifecycle {
                stalenessTimeoutSeconds
                pauseDeadlineSeconds
              }
            }
          }
          steps {
            name
            status
          }
        }
      }
      ... on Error {
        message
      }
      ... on JobAlreadyExistsError {
        workspace
        name
      }
      ... on ValidationError {
        issues {
          path
          message
        }
      }
    }
  }
`;

const PAUSE = /* GraphQL */ `
  mutation Pause($workspace: String!, $name: String!) {
    pauseJob(workspace: $workspace, name: $name) {
      __typename
      ... on PauseJobSuccess {
        job {
          name
          status
          allowedActions
          updatedAt
        }
      }
      ... on Error {
        message
      }
      ... on JobStateConflictError {
        status
      }
    }
  }
`;

const containerStep = (name = 'train') => ({
  name,
  executor: {
    provider: 'GPU',
    container: { image: 'nvcr.io/nemo:latest', command: ['python', 'train.py'] },
    resources: { numGpus: 8, limits: { cpu: '8', memory: '64Gi' } },
  },
  environment: [
    { name: 'MODE', value: 'fast' },
    { name: 'TOKEN', fromSecret: { name: 'hf-token' } },
  ],
  lifecycle: { stalenessTimeoutSeconds: 60 },
});

describe.each(databaseKinds)('GraphQL on $name', (kind) => {
  const suite = useGateway(kind);

  it('creates a job, which REST then serves in snake_case', async () => {
    const ws = uniqueWorkspace();
    const res = await gql(suite.base, CREATE, {
      workspace: ws,
      input: {
        name: 'fine-tune',
        source: 'ui',
        spec: { learningRate: 0.1, nested: { keepMe: true } },
        customFields: { teamName: 'nlp' },
        platformSpec: { steps: [containerStep()] },
      },
    });
    expect(res.errors).toBeUndefined();
    const job = res.data.createJob.job;
    expect(res.data.createJob.__typename).toBe('CreateJobSuccess');
    expect(job).toMatchObject({
      name: 'fine-tune',
      workspace: ws,
      status: 'CREATED',
      fileset: 'job-fileset-fine-tune',
      // Free-form documents keep their own key names.
      spec: { learningRate: 0.1, nested: { keepMe: true } },
      customFields: { teamName: 'nlp' },
      allowedActions: ['PAUSE', 'CANCEL'],
      steps: [{ name: 'train', status: 'CREATED' }],
    });
    expect(job.platformSpec.steps[0]).toEqual({
      name: 'train',
      executor: {
        __typename: 'ContainerExecutor',
        provider: 'GPU',
        profile: 'default',
        container: { image: 'nvcr.io/nemo:latest', command: ['python', 'train.py'] },
        resources: { numNodes: 1, numGpus: 8, limits: { cpu: '8', memory: '64Gi' } },
      },
      environment: [
        { name: 'MODE', value: 'fast', fromSecret: null },
        { name: 'TOKEN', value: null, fromSecret: { name: 'hf-token' } },
      ],
      lifecycle: { stalenessTimeoutSeconds: 60, pauseDeadlineSeconds: null },
    });

    const rest = await http(suite.base, 'GET', `${JOBS}/workspaces/${ws}/jobs/fine-tune`);
    // `id` is the global id of GraphQL's Node; the platform's id is `jobId`.
    expect(job.jobId).toBe(rest.body.id);
    expect(job.id).not.toBe(rest.body.id);
    expect(rest.body.platform_spec.steps[0]).toMatchObject({
      executor: { provider: 'gpu', profile: 'default', resources: { num_nodes: 1, num_gpus: 8 } },
      environment: [
        { name: 'MODE', value: 'fast' },
        { name: 'TOKEN', from_secret: { name: 'hf-token' } },
      ],
      lifecycle: { staleness_timeout_seconds: 60 },
    });
    expect(rest.body.custom_fields).toEqual({ teamName: 'nlp' });
  });

  it('answers JobAlreadyExistsError for a taken name', async () => {
    const ws = uniqueWorkspace();
    const input = { name: 'twice', source: 'ui', spec: {}, platformSpec: { steps: [containerStep()] } };
    await gql(suite.base, CREATE, { workspace: ws, input });
    const res = await gql(suite.base, CREATE, { workspace: ws, input });
    expect(res.data.createJob).toEqual({
      __typename: 'JobAlreadyExistsError',
      message: `Job 'twice' already exists in workspace '${ws}'.`,
      workspace: ws,
      name: 'twice',
    });
  });

  it.each([
    [
      'a container provider without container',
      { name: 'train', executor: { provider: 'CPU' } },
      ['input', 'platformSpec', 'steps', '0', 'executor', 'container'],
    ],
    [
      'a subprocess step without command',
      { name: 'run', executor: { provider: 'SUBPROCESS' } },
      ['input', 'platformSpec', 'steps', '0', 'executor', 'command'],
    ],
    [
      'a bad step name',
      { ...containerStep('X'), name: 'X' },
      ['input', 'platformSpec', 'steps', '0', 'name'],
    ],
    [
      'an environment variable with neither value nor secret',
      { ...containerStep(), environment: [{ name: 'EMPTY' }] },
      ['input', 'platformSpec', 'steps', '0', 'environment', '0'],
    ],
    [
      'a profile that is not configured',
      { ...containerStep(), executor: { ...containerStep().executor, profile: 'nowhere' } },
      ['input', 'platformSpec', 'steps', '0', 'executor', 'profile'],
    ],
  ])('answers ValidationError for %s, with the camelCase path, creating nothing', async (_, step, path) => {
    const ws = uniqueWorkspace();
    const res = await gql(suite.base, CREATE, {
      workspace: ws,
      input: { name: 'invalid', source: 'ui', spec: {}, platformSpec: { steps: [step] } },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.createJob.__typename).toBe('ValidationError');
    expect(res.data.createJob.issues).toEqual([{ path, message: expect.any(String) }]);
    expect(res.data.createJob.message).toEqual(expect.any(String));
    expect((await http(suite.base, 'GET', `${JOBS}/workspaces/${ws}/jobs/invalid`)).status).toBe(404);
  });

  it('pauses a job: PauseJobSuccess with the job now PAUSING, then a no-op', async () => {
    const ws = uniqueWorkspace();
    await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps('to-pause'));
    const first = await gql(suite.base, PAUSE, { workspace: ws, name: 'to-pause' });
    expect(first.data.pauseJob).toMatchObject({
      __typename: 'PauseJobSuccess',
      job: { name: 'to-pause', status: 'PAUSING', allowedActions: ['CANCEL'] },
    });
    const second = await gql(suite.base, PAUSE, { workspace: ws, name: 'to-pause' });
    expect(second.data.pauseJob).toEqual(first.data.pauseJob);
  });

  it('answers JobNotFoundError for a missing job', async () => {
    const res = await gql(suite.base, PAUSE, { workspace: 'nowhere', name: 'ghost' });
    expect(res.data.pauseJob).toEqual({
      __typename: 'JobNotFoundError',
      message: "Job 'ghost' not found in workspace 'nowhere'.",
    });
  });

  it('answers JobStateConflictError carrying the current status', async () => {
    const ws = uniqueWorkspace();
    await reachStatus(suite.base, ws, 'finished', 'completed');
    const res = await gql(suite.base, PAUSE, { workspace: ws, name: 'finished' });
    expect(res.data.pauseJob).toEqual({
      __typename: 'JobStateConflictError',
      message: "Cannot pause job 'finished': the job is completed.",
      status: 'COMPLETED',
    });
  });

  it('reads one job (null when missing) and a first page of jobs', async () => {
    const ws = uniqueWorkspace();
    for (const name of ['first-job', 'second-job']) {
      await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps(name));
    }
    const res = await gql(
      suite.base,
      `query($ws: String!) {
        job(workspace: $ws, name: "first-job") { name status steps { name status spec { name } } }
        missing: job(workspace: $ws, name: "nope") { name }
        jobs(workspace: $ws, first: 10) { totalCount edges { cursor node { name } } pageInfo { hasNextPage } }
      }`,
      { ws },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.job).toEqual({
      name: 'first-job',
      status: 'CREATED',
      steps: [{ name: 'step-a', status: 'CREATED', spec: { name: 'step-a' } }],
    });
    expect(res.data.missing).toBeNull();
    expect(res.data.jobs.totalCount).toBe(2);
    expect(res.data.jobs.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual([
      'second-job',
      'first-job',
    ]);
    expect(res.data.jobs.pageInfo.hasNextPage).toBe(false);
  });

  it('pages jobs with cursors, forwards and back, keeping the total', async () => {
    const ws = uniqueWorkspace();
    for (const name of ['job-1', 'job-2', 'job-3']) {
      await http(suite.base, 'POST', `${JOBS}/workspaces/${ws}/jobs`, jobWithSteps(name));
    }
    const page = async (args: Record<string, unknown>) => {
      const res = await gql(
        suite.base,
        `query ($ws: String!, $first: Int, $after: String, $last: Int, $before: String) {
          jobs(workspace: $ws, first: $first, after: $after, last: $last, before: $before) {
            totalCount
            nodes { name }
            edges { cursor }
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          }
        }`,
        { ws, ...args },
      );
      expect(res.errors).toBeUndefined();
      const { totalCount, nodes, edges, pageInfo } = res.data.jobs;
      expect(pageInfo.startCursor).toBe(edges[0]?.cursor ?? null);
      expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
      return { totalCount, names: nodes.map((n: { name: string }) => n.name), pageInfo };
    };

    const first = await page({ first: 2 });
    expect(first).toMatchObject({
      totalCount: 3,
      names: ['job-3', 'job-2'],
      pageInfo: { hasNextPage: true, hasPreviousPage: false },
    });
    const second = await page({ first: 2, after: first.pageInfo.endCursor });
    expect(second).toMatchObject({
      totalCount: 3,
      names: ['job-1'],
      pageInfo: { hasNextPage: false, hasPreviousPage: true },
    });
    const back = await page({ last: 2, before: second.pageInfo.startCursor });
    expect(back).toMatchObject({
      totalCount: 3,
      names: ['job-3', 'job-2'],
      pageInfo: { hasNextPage: true, hasPreviousPage: false },
    });
    const none = await page({ first: 0 });
    expect(none).toMatchObject({
      totalCount: 3,
      names: [],
      pageInfo: { startCursor: null, endCursor: null },
    });
  });

  describe('document limits', () => {
    // job → events → nodes → job → events → … : twelve levels are allowed, this asks for more.
    const tooDeep = `{ job(workspace: "w", name: "n") { ${'events { nodes { job { '.repeat(5)}name${' } } }'.repeat(5)} } }`;
    const manyAliases = `{ ${Array.from({ length: 25 }, (_, i) => `a${i}: job(workspace: "w", name: "n") { name }`).join(' ')} }`;

    it('refuses a document nested too deeply, over HTTP and WebSocket alike', async () => {
      const res = await gql(suite.base, tooDeep);
      expect(res.data).toBeUndefined();
      expect(res.errors?.[0].message).toMatch(/depth/i);
      const client = wsClient(suite.base);
      const sub = subscribe(
        client,
        `subscription { jobStatus(workspace: "w", name: "n") { ${'job { events { nodes { '.repeat(4)}status${' } } }'.repeat(4)} } }`,
        {},
      );
      await sub.until(() => sub.completed);
      expect(JSON.stringify(sub.errors)).toMatch(/depth/i);
      await client.dispose();
    });

    it('refuses too many aliases and too many tokens', async () => {
      expect((await gql(suite.base, manyAliases)).errors?.[0].message).toMatch(/aliases/i);
      const huge = `{ ${'__typename '.repeat(3000)} }`;
      expect((await gql(suite.base, huge)).errors?.[0].message).toMatch(/token/i);
    });

    it('still answers the introspection query GraphiQL sends', async () => {
      const res = await gql(suite.base, getIntrospectionQuery());
      expect(res.errors).toBeUndefined();
      expect(res.data.__schema.queryType.name).toBe('Query');
    });
  });

  it('serves GraphiQL to a browser', async () => {
    const res = await fetch(`${suite.base}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('GraphiQL');
  });
});
