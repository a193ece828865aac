/**
 * Load for fault tests: clients walking one-step jobs round the lifecycle (pause, paused, resume,
 * pending, active, …) through REST, each job in a workspace of its own, and a watcher holding one
 * `jobEvents` subscription per workspace over graphql-ws. Afterwards each job's watched events are
 * compared with its recorded history and with the changes its client was told succeeded.
 */
import { expect } from 'vitest';
import { uniqueWorkspace } from './fixtures.js';
import { gql, http, JOBS, subscribe, wsClient, type HttpResult } from './gateway.js';
import { createJobIn } from './lifecycle.js';

const JOB_EVENTS = /* GraphQL */ `
  subscription ($workspace: String!, $after: String) {
    jobEvents(workspace: $workspace, after: $after) {
      cursor
      status
    }
  }
`;

/** From each job status, the next move round the loop and the status it leads to. */
const NEXT: Record<string, { action?: 'pause' | 'resume'; step?: string; leadsTo: string }> = {
  created: { action: 'pause', leadsTo: 'pausing' },
  active: { action: 'pause', leadsTo: 'pausing' },
  pausing: { step: 'paused', leadsTo: 'paused' },
  paused: { action: 'resume', leadsTo: 'resuming' },
  resuming: { step: 'pending', leadsTo: 'pending' },
  pending: { step: 'active', leadsTo: 'active' },
};

export interface LoadFigures {
  requests: number;
  /** Answered 2xx: each is an acknowledged change. */
  acknowledged: number;
  /** Answered 503 with the documented body and Retry-After. */
  unavailable: number;
  /** Any other answer (a 409 after a change whose answer was lost is expected; 500 is not). */
  other: Record<number, number>;
  /** The slowest answer (ms). */
  slowestMs: number;
  /** Requests that got no answer: their gateway went away. */
  unreachable: number;
}

export interface WalkerOptions {
  jobs?: number;
  /** Where the watcher subscribes; the first gateway by default. */
  watch?: string;
}

/**
 * `gateways`: where the clients send their requests, the first while it answers; one that cannot
 * be reached (a process that died) sends them on to the next, as a load balancer would.
 */
export async function startWalkers(gateways: string | string[], { jobs = 8, watch }: WalkerOptions = {}) {
  const bases = typeof gateways === 'string' ? [gateways] : gateways;
  let base = bases[0];
  const names = Array.from({ length: jobs }, () => ({ workspace: uniqueWorkspace('fault'), name: 'walker' }));
  for (const { workspace, name } of names) await createJobIn(base, workspace, name);
  const client = wsClient(watch ?? base);
  const watchers = names.map(({ workspace }) =>
    subscribe<{ jobEvents: { cursor: string; status: string } }>(client, JOB_EVENTS, {
      workspace,
      after: '0-0',
    }),
  );
  for (const watcher of watchers) await watcher.until(() => watcher.received.length === 1, 15_000);

  const figures: LoadFigures = {
    requests: 0,
    acknowledged: 0,
    unavailable: 0,
    other: {},
    slowestMs: 0,
    unreachable: 0,
  };
  const acknowledged = names.map(() => [] as string[]);
  let running = true;

  const call = async (method: string, path: string, body?: unknown): Promise<HttpResult> => {
    const started = Date.now();
    const target = base;
    let res: HttpResult;
    try {
      res = await http(target, method, path, body);
    } catch {
      // No answer at all: whether it happened is unknown; go on with the next gateway.
      figures.unreachable++;
      const next = bases[bases.indexOf(target) + 1];
      if (target === base && next) base = next;
      return { status: 0, headers: new Headers(), body: undefined, text: '' };
    }
    figures.requests++;
    figures.slowestMs = Math.max(figures.slowestMs, Date.now() - started);
    if (res.status === 503) {
      figures.unavailable++;
      expect(res.body).toEqual({ detail: 'The database is unavailable; retry shortly.' });
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    } else if (res.status >= 300) {
      figures.other[res.status] = (figures.other[res.status] ?? 0) + 1;
    }
    return res;
  };

  const walk = async (index: number) => {
    const { workspace, name } = names[index];
    const job = `${JOBS}/workspaces/${workspace}/jobs/${name}`;
    let status = 'created';
    while (running) {
      const move = NEXT[status];
      if (!move) throw new Error(`walked into ${status}`);
      const res = move.action
        ? await call('POST', `${job}/${move.action}`, {})
        : await call('PATCH', `${job}/steps/step-a/status`, { status: move.step });
      if (res.status === 200) {
        figures.acknowledged++;
        acknowledged[index].push(move.leadsTo.toUpperCase());
        status = move.leadsTo;
        continue;
      }
      // Unknown whether it happened (the answer may have been lost after the commit): ask.
      let current = await call('GET', job);
      while (current.status !== 200 && running) {
        await new Promise((r) => setTimeout(r, 100));
        current = await call('GET', job);
      }
      if (current.status === 200) status = current.body.status;
      else await new Promise((r) => setTimeout(r, 100));
    }
  };
  const walking = Promise.all(names.map((_, i) => walk(i)));
  // Reported by finish(); a test that fails before it only stops them.
  walking.catch(() => {});

  return {
    figures,
    /** Stops the clients (for a test that failed before finish). */
    stop: () => {
      running = false;
    },
    /** Stops the clients, then checks every watcher got its job's whole history, once, in order. */
    async finish(): Promise<{ changesMissing: number; delivered: number }> {
      running = false;
      await walking;
      let missing = 0;
      let delivered = 0;
      for (const [i, { workspace, name }] of names.entries()) {
        const history = await gql(
          base,
          `query ($w: String!, $n: String!) { job(workspace: $w, name: $n) { events(first: 500) { nodes { cursor status } } } }`,
          { w: workspace, n: name },
        );
        const recorded: { cursor: string; status: string }[] = history.data.job.events.nodes;
        const watcher = watchers[i];
        await watcher.until(() => watcher.received.length >= recorded.length, 20_000).catch(() => {});
        const seen = watcher.received.map((r) => r.jobEvents);
        delivered += seen.length;
        const seenCursors = new Set(seen.map((e) => e.cursor));
        missing += recorded.filter((e) => !seenCursors.has(e.cursor)).length;
        expect(watcher.errors).toEqual([]);
        expect(seen).toEqual(recorded);
        // The job row and its history agree: no change was half-written.
        const job = await http(base, 'GET', `${JOBS}/workspaces/${workspace}/jobs/${name}`);
        expect(job.body.status.toUpperCase()).toBe(recorded.at(-1)?.status);
        // Every change a client was told succeeded is recorded, in the order it was made.
        expectSubsequence(
          acknowledged[i],
          recorded.map((e) => e.status),
        );
      }
      await client.dispose();
      return { changesMissing: missing, delivered };
    },
  };
}

function expectSubsequence(part: string[], whole: string[]) {
  let at = 0;
  for (const item of whole) if (at < part.length && part[at] === item) at++;
  expect(at, `acknowledged ${JSON.stringify(part)} within recorded ${JSON.stringify(whole)}`).toBe(
    part.length,
  );
}
