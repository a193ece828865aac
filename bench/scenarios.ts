/**
 * The rows of `npm run bench`, as data: what each request is, which job it addresses, and what a
 * correct answer looks like. A new row is one more entry here.
 */
import { KEPT_JOBS } from '../src/jobs/job-versions.js';
import { jobWithSteps } from '../test/support/fixtures.js';

export const WORKSPACE = 'bench';
/** The row every other row's req/s is compared with. */
export const REFERENCE = 'bare-pause';
export const PAGE_SIZE = 50;

/**
 * Which job a request addresses:
 * - `fresh`: a job in `created` that no other request has touched; it is used up (a pause);
 * - `new`: a name no job has yet (a create); the jobs it creates join the fresh ones;
 * - `any`: any job created so far, round robin (a read);
 * - `none`: no job in particular (a list page).
 */
export type JobSupply = 'fresh' | 'new' | 'any' | 'none';

export interface Scenario {
  id: string;
  label: string;
  /**
   * `gateway`: the process that seeded the jobs. `gateway-open` and `gateway-auth`: two more
   * processes on the same database, started and warmed up alike, with access control off and on:
   * the pair that measures what access control costs.
   */
  server: 'gateway' | 'bare' | 'gateway-open' | 'gateway-auth';
  jobs: JobSupply;
  request(job: string): { method: 'GET' | 'POST' | 'PATCH'; path: string; body?: unknown };
  /** The status code every response must have. */
  status: number;
  /** Text every response body must contain: a cheap check that the right status code carries the right answer. */
  marker: string;
  /** The full check, run on a sample of parsed bodies. */
  check(body: any, job: string): boolean;
}

const rest = `/apis/jobs/v2/workspaces/${WORKSPACE}`;

const graphql = (query: string, variables: Record<string, unknown>) => ({
  method: 'POST' as const,
  path: '/graphql',
  body: { query, variables },
});

const PAUSE_JOB = `mutation ($w: String!, $n: String!) {
  pauseJob(workspace: $w, name: $n) { ... on PauseJobSuccess { job { name status } } }
}`;
const ONE_JOB = `query ($w: String!, $n: String!) {
  job(workspace: $w, name: $n) { name status steps { name status } }
}`;
const JOB_PAGE = `query ($w: String!, $first: Int!) {
  jobs(workspace: $w, first: $first) { nodes { name status steps { name status } } }
}`;

/** REST spells statuses as upstream does (`pausing`); GraphQL as an enum (`PAUSING`). */
const paused = (job: { name: string; status: string } | undefined, name: string, status = 'pausing') =>
  job?.name === name && job.status === status;
const fullPage = (jobs: { steps?: unknown[]; platform_spec?: { steps: unknown[] } }[] | undefined) =>
  jobs?.length === PAGE_SIZE && jobs.every((j) => (j.steps ?? j.platform_spec?.steps)?.length === 1);

/** Pages of jobs that a gateway process cannot all keep (job-versions.ts). */
const COLD_PAGES = Math.ceil((2 * KEPT_JOBS) / PAGE_SIZE);
let coldPage = 0;

/** The REST pause, on whichever gateway process a row names. */
const restPause: Pick<Scenario, 'jobs' | 'request' | 'status' | 'marker' | 'check'> = {
  jobs: 'fresh',
  request: (job) => ({ method: 'POST', path: `${rest}/jobs/${job}/pause`, body: {} }),
  status: 200,
  marker: '"status":"pausing"',
  check: (body, job) => paused(body, job),
};

export const scenarios: Scenario[] = [
  {
    id: 'bare-pause',
    label: 'bare server: pause (node:http + postgres.js, one statement)',
    server: 'bare',
    jobs: 'fresh',
    request: (job) => ({ method: 'POST', path: `/pause/${WORKSPACE}/${job}`, body: {} }),
    status: 200,
    marker: '"status":"pausing"',
    check: (body, job) => paused(body, job),
  },
  {
    id: 'rest-pause',
    label: 'REST pause',
    server: 'gateway',
    ...restPause,
  },
  {
    id: 'rest-pause-open',
    label: 'REST pause, access control off (a process started as the next row’s)',
    server: 'gateway-open',
    ...restPause,
  },
  {
    id: 'rest-pause-auth',
    label: 'REST pause, access control on (a bearer token, an Editor)',
    server: 'gateway-auth',
    ...restPause,
  },
  {
    id: 'graphql-pause',
    label: 'GraphQL pauseJob',
    server: 'gateway',
    jobs: 'fresh',
    request: (job) => graphql(PAUSE_JOB, { w: WORKSPACE, n: job }),
    status: 200,
    marker: '"status":"PAUSING"',
    check: (body, job) => !body.errors && paused(body.data?.pauseJob?.job, job, 'PAUSING'),
  },
  {
    id: 'rest-step-report',
    label: 'REST step report (an executor starts a step)',
    server: 'gateway',
    jobs: 'fresh',
    request: (job) => ({
      method: 'PATCH',
      path: `${rest}/jobs/${job}/steps/step-a/status`,
      body: { status: 'active' },
    }),
    status: 200,
    marker: '"status":"active"',
    check: (body) => body.name === 'step-a' && body.status === 'active',
  },
  {
    id: 'rest-create',
    label: 'REST create (one cpu step)',
    server: 'gateway',
    jobs: 'new',
    request: (job) => ({ method: 'POST', path: `${rest}/jobs`, body: jobWithSteps(job) }),
    status: 201,
    marker: '"status":"created"',
    check: (body, job) => body.name === job && body.platform_spec?.steps?.length === 1,
  },
  {
    id: 'rest-get',
    label: 'REST get a job',
    server: 'gateway',
    jobs: 'any',
    request: (job) => ({ method: 'GET', path: `${rest}/jobs/${job}` }),
    status: 200,
    marker: '"fileset":"job-fileset-',
    check: (body, job) => body.name === job && body.platform_spec?.steps?.length === 1,
  },
  {
    id: 'graphql-job',
    label: 'GraphQL job with its steps',
    server: 'gateway',
    jobs: 'any',
    request: (job) => graphql(ONE_JOB, { w: WORKSPACE, n: job }),
    status: 200,
    marker: '"steps":[{',
    check: (body, job) => !body.errors && body.data?.job?.name === job && body.data.job.steps.length === 1,
  },
  {
    id: 'rest-list',
    label: `REST list, ${PAGE_SIZE} jobs with steps`,
    server: 'gateway',
    jobs: 'none',
    request: () => ({ method: 'GET', path: `${rest}/jobs?page_size=${PAGE_SIZE}` }),
    status: 200,
    marker: '"data":[{',
    check: (body) => fullPage(body.data),
  },
  {
    id: 'rest-list-cold',
    label: `REST list, ${PAGE_SIZE} jobs with steps, each page's jobs not read for a while`,
    server: 'gateway',
    jobs: 'none',
    // Round robin over twice as many jobs as a process keeps read: every page is read in full.
    request: () => ({
      method: 'GET',
      path: `${rest}/jobs?page_size=${PAGE_SIZE}&page=${1 + (coldPage++ % COLD_PAGES)}`,
    }),
    status: 200,
    marker: '"data":[{',
    check: (body) => fullPage(body.data),
  },
  {
    id: 'graphql-list',
    label: `GraphQL jobs(first: ${PAGE_SIZE}) with steps`,
    server: 'gateway',
    jobs: 'none',
    request: () => graphql(JOB_PAGE, { w: WORKSPACE, first: PAGE_SIZE }),
    status: 200,
    marker: '"nodes":[{',
    check: (body) => !body.errors && fullPage(body.data?.jobs?.nodes),
  },
];
