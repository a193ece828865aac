/**
 * The load generator: autocannon in this process, every request built on the fly so that each
 * addresses its own job, every response checked.
 */
import autocannon from 'autocannon';
import type { JobSupply, Scenario } from './scenarios.js';

/** The jobs the scenarios address: every one created so far, and those nothing has touched yet. */
export class JobPool {
  private created: string[] = [];
  private fresh: string[] = [];
  private sequence = 0;
  private nextAny = 0;

  get size() {
    return this.created.length;
  }

  get freshCount() {
    return this.fresh.length;
  }

  newName(): string {
    return `job-${++this.sequence}`;
  }

  /** A job that now exists, in `created`. */
  add(name: string): void {
    this.created.push(name);
    this.fresh.push(name);
  }

  /** Up to `count` fresh jobs, taken out of the pool: no other scenario gets them. */
  takeFresh(count: number): string[] {
    return this.fresh.splice(0, count);
  }

  any(): string {
    return this.created[this.nextAny++ % this.created.length];
  }
}

export interface LoadOptions {
  connections: number;
  /** Seconds to run for; or, with `amount`, as long as that many requests take. */
  duration?: number;
  amount?: number;
  /** Fresh jobs set aside for a scenario that uses jobs up. */
  freshJobs?: number;
  /** Sent with every request (an `authorization` header, say). */
  headers?: Record<string, string>;
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  responses: number;
  /** Responses that were not the expected answer, plus connection errors and timeouts. */
  errors: number;
  /** The first few wrong answers, to say what went wrong. */
  errorSamples: string[];
  /** Set when a scenario that uses jobs up needed more than it was given. */
  ranOutOfJobs: boolean;
}

/** Every Nth body is parsed and checked in full; the others by status code and marker only. */
const SAMPLE_EVERY = 50;

/** The name used once a scenario's fresh jobs are gone: its 404s count as errors. */
const NO_JOB = 'no-fresh-job-left';

function jobSource(supply: JobSupply, pool: JobPool, freshJobs: number) {
  const state = { ranOut: false };
  switch (supply) {
    case 'fresh': {
      const mine = pool.takeFresh(freshJobs);
      let next = 0;
      return { state, next: () => mine[next++] ?? ((state.ranOut = true), NO_JOB) };
    }
    case 'new':
      return { state, next: () => pool.newName() };
    case 'any':
      return { state, next: () => pool.any() };
    case 'none':
      return { state, next: () => '' };
  }
}

function checks(scenario: Scenario, body: string, job: string): boolean {
  try {
    return scenario.check(JSON.parse(body), job);
  } catch {
    return false;
  }
}

export async function runLoad(
  baseUrl: string,
  scenario: Scenario,
  pool: JobPool,
  options: LoadOptions,
): Promise<LoadResult> {
  const jobs = jobSource(scenario.jobs, pool, options.freshJobs ?? 0);
  let responses = 0;
  let wrong = 0;
  const errorSamples: string[] = [];
  const fail = (job: string, status: number, body: string) => {
    wrong++;
    if (errorSamples.length < 3) errorSamples.push(`${job || '-'}: ${status} ${body.slice(0, 300)}`);
  };

  const result = await autocannon({
    url: baseUrl,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration }),
    requests: [
      {
        // Called for every request; the context lives until that request's response is read.
        setupRequest(request, context: { job?: string }) {
          const job = jobs.next();
          context.job = job;
          const { method, path, body } = scenario.request(job);
          request.method = method;
          request.path = path;
          request.headers = { ...options.headers };
          if (body !== undefined) {
            request.body = JSON.stringify(body);
            Object.assign(request.headers, {
              'content-type': 'application/json',
              accept: 'application/json',
            });
          }
          return request;
        },
        onResponse(status, body, context: { job?: string }) {
          const job = context.job ?? '';
          responses++;
          if (status !== scenario.status || !body.includes(scenario.marker)) return fail(job, status, body);
          if (responses % SAMPLE_EVERY === 0 && !checks(scenario, body, job)) return fail(job, status, body);
          if (scenario.jobs === 'new') pool.add(job);
        },
      },
    ],
  });

  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    responses,
    errors: wrong + result.errors,
    errorSamples,
    ranOutOfJobs: jobs.state.ranOut,
  };
}
