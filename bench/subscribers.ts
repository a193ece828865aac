/**
 * Realtime benchmark: N graphql-ws subscribers on one gateway process, status changes produced
 * through REST on another process, both on one PostgreSQL database.
 *
 *   npx tsx bench/subscribers.ts [--subscribers 1000] [--jobs 500] [--rate 500] [--seconds 20]
 *
 * Reports delivery latency (from the event's occurredAt, taken just before its transaction commits,
 * to receipt by the client: a slight over-estimate of commit-to-receipt) over `--seconds` of changes
 * after a 5 s warm-up at the same rate (whose latency is reported apart), events lost (expected minus
 * received, per subscriber), the subscriber process's memory per idle subscriber, and its CPU;
 * and, to say where a slow figure was slow, the watcher's feed lag, its event loop's delay and full
 * garbage collections, this process's own event loop delay, and the step reports' answer times.
 * Needs PostgreSQL: BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test (a scratch
 * database is created and dropped).
 */
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createPostgresDatabase } from '../test/support/databases.js';
import { startGateway } from './processes.js';
import { percentile } from './stats.js';
import { Teardown } from './teardown.js';

const { values: args } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000' },
    jobs: { type: 'string', default: '500' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '20' },
    'watcher-node-options': { type: 'string', default: '' },
    'settle-seconds': { type: 'string', default: '60' },
  },
});
const SUBSCRIBERS = Number(args.subscribers);
const JOBS = Number(args.jobs);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WORKSPACE = 'bench';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident memory (bytes) and CPU time (seconds) of a process, from /proc. */
function usage(pid: number) {
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
  return { rss, cpu: ticks / 100 };
}

/**
 * The producer's requests over node:http with kept-alive connections, not `fetch`: this process
 * also holds the subscribers' sockets and times their messages, and fetch's per-request work here
 * delayed their reading (by about 40 ms at the median, measured against the watcher's send times).
 */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function rest(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<unknown>((resolve, reject) => {
    const req = httpRequest(
      `${base}/apis/jobs/v2${path}`,
      {
        method,
        agent,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode! >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
          else resolve(JSON.parse(text));
        });
        res.on('error', reject);
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A kept-alive connection the server closed as the request went out (it closes idle ones
      // after 5 s): the request never reached it, and Node's documentation says to send it again.
      if (req.reusedSocket && error.code === 'ECONNRESET') resolve(rest(base, method, path, body));
      else reject(error);
    });
    req.end(payload);
  });
}

interface Subscriber {
  job: string;
  received: number;
  ready: Promise<void>;
  socket: WebSocket;
}

/**
 * Changes made from this time on (ms since the epoch) are measured; those before warm the watcher
 * up: after a minute's idling, its delivery code is cold and V8 has just shrunk its heap, and its
 * first second or two at full rate is slower than the rest (as the HTTP scenarios, it gets a warm-up).
 */
let windowStart = Infinity;
const WARM_UP_SECONDS = 5;
const latencies = { warmUp: [] as number[], measured: [] as number[] };

/** A lean graphql-ws client: connection_init, one jobStatus subscription, count the events. */
function subscriber(base: string, job: string): Subscriber {
  const socket = new WebSocket(`${base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const sub: Subscriber = { job, received: 0, socket, ready: Promise.resolve() };
  sub.ready = new Promise((resolve, reject) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('error', reject);
    socket.on('message', (data) => {
      const message = JSON.parse((data as Buffer).toString('utf8'));
      if (message.type === 'connection_ack') {
        socket.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: {
              query: `subscription($w: String!, $n: String!) { jobStatus(workspace: $w, name: $n) { status occurredAt } }`,
              variables: { w: WORKSPACE, n: job },
            },
          }),
        );
      } else if (message.type === 'next') {
        // The first event is the current state, sent on subscribing.
        if (sub.received === 0) resolve();
        else {
          const at = Date.parse(message.payload.data.jobStatus.occurredAt);
          (at >= windowStart ? latencies.measured : latencies.warmUp).push(Date.now() - at);
        }
        sub.received++;
      } else if (message.type === 'error') {
        reject(new Error(JSON.stringify(message.payload)));
      }
    });
  });
  return sub;
}

/**
 * The watcher's own view, from its /metrics: its feed's lag (a change's time to the feed reading
 * it), its event loop's delay (prom-client resets it at every scrape, so a scrape before the window
 * makes the one after cover just the window) and its full garbage collections.
 */
async function watcherView(base: string) {
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
  return {
    lag: {
      sum: read('event_feed_lag_seconds_sum'),
      count: read('event_feed_lag_seconds_count'),
      buckets: [...metrics.matchAll(/^event_feed_lag_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)].map(
        ([, le, n]) => ({ le: Number(le), n: Number(n) }),
      ),
    },
    loopDelayMs: {
      p99: Math.round(read('nodejs_eventloop_lag_p99_seconds') * 1000),
      max: Math.round(read('nodejs_eventloop_lag_max_seconds') * 1000),
    },
    majorGc: {
      sum: read('nodejs_gc_duration_seconds_sum\\{kind="major"\\}'),
      count: read('nodejs_gc_duration_seconds_count\\{kind="major"\\}'),
    },
  };
}

/** The bucket bound (ms) that a percentile of the lags observed between two scrapes falls under. */
function lagPercentileBound(
  before: { le: number; n: number }[],
  after: { le: number; n: number }[],
  p: number,
) {
  const counts = after.map((bucket, i) => ({ le: bucket.le, n: bucket.n - (before[i]?.n ?? 0) }));
  const total = counts.at(-1)?.n ?? 0;
  const bound = counts.find((bucket) => bucket.n >= (p / 100) * total)?.le ?? Infinity;
  return Number.isFinite(bound) ? Math.round(bound * 1000) : null;
}

async function main() {
  const teardown = new Teardown();
  teardown.onSignals();
  const subscribers: Subscriber[] = [];
  try {
    const database = await createPostgresDatabase(adminUrl, 'gateway_bench');
    teardown.add('drop the scratch database', () => database.drop());
    const url = database.options.databaseUrl!;
    const watcher = await startGateway(url, {
      NODE_OPTIONS: [process.env.NODE_OPTIONS, args['watcher-node-options']].filter(Boolean).join(' '),
    });
    teardown.add('stop the watching gateway', () => watcher.stop());
    const producer = await startGateway(url);
    teardown.add('stop the producing gateway', () => producer.stop());
    teardown.add('close the subscribers', async () => {
      for (const s of subscribers) s.socket.terminate();
    });
    const names = Array.from({ length: JOBS }, (_, i) => `job-${i}`);
    for (const name of names) {
      await rest(producer.url, 'POST', `/workspaces/${WORKSPACE}/jobs`, {
        name,
        source: 'bench',
        spec: {},
        platform_spec: {
          steps: [{ name: 'work', executor: { provider: 'cpu', container: { image: 'x' } } }],
        },
      });
      await rest(producer.url, 'PATCH', `/workspaces/${WORKSPACE}/jobs/${name}/steps/work/status`, {
        status: 'active',
      });
    }

    await sleep(1000);
    const before = usage(watcher.pid);
    for (let i = 0; i < SUBSCRIBERS; i++) {
      subscribers.push(subscriber(watcher.url, names[i % JOBS]));
      if (i % 200 === 199) await Promise.all(subscribers.slice(-200).map((s) => s.ready));
    }
    await Promise.all(subscribers.map((s) => s.ready));
    // The memory an idle subscriber costs once the watcher has settled: connecting 10,000 sockets
    // leaves garbage in the old generation that V8's memory reducer collects only once allocation
    // has stayed low for a while (here 20–30 s after the last connection). Both are reported.
    const perSubscriberKb = (rss: number) => (rss - before.rss) / SUBSCRIBERS / 1024;
    await sleep(15_000);
    const soon = usage(watcher.pid);
    const soonAfter = perSubscriberKb(soon.rss);
    const idleSeconds = Math.max(0, Number(args['settle-seconds']) - 15);
    await sleep(idleSeconds * 1000);
    const idle = usage(watcher.pid);
    const settled = perSubscriberKb(idle.rss);

    // Produce RATE status changes per second: active -> pausing -> paused -> active, round robin.
    const cycle = ['pausing', 'paused', 'active'];
    const next = new Map(names.map((n) => [n, 0]));
    const produced = new Map(names.map((n) => [n, 0]));
    const lastChange = new Map<string, Promise<void>>();
    /** Makes the changes of `seconds` at RATE; `answerTimes` gets each step report's answer time (ms). */
    const produce = async (seconds: number, answerTimes: number[]) => {
      const started = Date.now();
      const total = RATE * seconds;
      let sent = 0;
      const inFlight = new Set<Promise<void>>();
      const failures: unknown[] = [];
      while (sent < total) {
        const due = Math.floor(((Date.now() - started) / 1000) * RATE);
        while (sent < Math.min(due, total)) {
          const name = names[sent % JOBS];
          const status = cycle[next.get(name)! % 3];
          next.set(name, next.get(name)! + 1);
          produced.set(name, produced.get(name)! + 1);
          // One change per job at a time, so each job's changes stay in order: with fewer jobs than
          // requests in flight, a job's next change waits for its previous one.
          const p: Promise<void> = (lastChange.get(name) ?? Promise.resolve())
            .then(async () => {
              const sentAt = performance.now();
              await rest(producer.url, 'PATCH', `/workspaces/${WORKSPACE}/jobs/${name}/steps/work/status`, {
                status,
              });
              answerTimes.push(performance.now() - sentAt);
            })
            .catch((error: unknown) => void failures.push(error))
            .finally(() => inFlight.delete(p));
          lastChange.set(name, p);
          inFlight.add(p);
          sent++;
          if (inFlight.size > 64) await Promise.race(inFlight);
        }
        await sleep(2);
      }
      await Promise.all(inFlight);
      if (failures.length > 0) {
        throw new Error(`${failures.length} step reports failed, the first: ${String(failures[0])}`);
      }
      return (Date.now() - started) / 1000;
    };

    await produce(WARM_UP_SECONDS, []);
    const viewBefore = await watcherView(watcher.url);
    // This process's own stalls delay its reading as much as the watcher's delay its sending.
    const clientDelay = monitorEventLoopDelay({ resolution: 5 });
    clientDelay.enable();
    const cpuStart = usage(watcher.pid).cpu;
    const producerCpuStart = usage(producer.pid).cpu;
    windowStart = Date.now();
    if (process.env.PROFILE_WATCHER) process.kill(watcher.pid, 'SIGUSR2');
    const reportTimes: number[] = [];
    const elapsed = await produce(SECONDS, reportTimes);
    const total = RATE * SECONDS;
    const cpuUsed = usage(watcher.pid).cpu - cpuStart;
    const producerCpuUsed = usage(producer.pid).cpu - producerCpuStart;
    clientDelay.disable();
    const viewAfter = await watcherView(watcher.url);

    // Wait for the stragglers, then count.
    const expectedOf = (s: Subscriber) => 1 + produced.get(s.job)!;
    for (let i = 0; i < 100 && subscribers.some((s) => s.received < expectedOf(s)); i++) await sleep(100);
    const lost = subscribers.reduce((n, s) => n + Math.max(0, expectedOf(s) - s.received), 0);
    const extra = subscribers.reduce((n, s) => n + Math.max(0, s.received - expectedOf(s)), 0);
    const sorted = latencies.measured.sort((a, b) => a - b);
    const warmUp = latencies.warmUp.sort((a, b) => a - b);
    const reported = reportTimes.sort((a, b) => a - b);

    const report = {
      subscribers: SUBSCRIBERS,
      jobs: JOBS,
      status_changes: total,
      achieved_rate_per_s: Math.round(total / elapsed),
      deliveries: sorted.length,
      latency_ms: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) },
      warm_up: {
        seconds: WARM_UP_SECONDS,
        latency_ms: { p50: percentile(warmUp, 50), p99: percentile(warmUp, 99), max: warmUp.at(-1) },
      },
      watcher_feed_lag_ms_mean: Math.round(
        ((viewAfter.lag.sum - viewBefore.lag.sum) / (viewAfter.lag.count - viewBefore.lag.count)) * 1000,
      ),
      watcher_feed_lag_ms_p99_at_most: lagPercentileBound(viewBefore.lag.buckets, viewAfter.lag.buckets, 99),
      watcher_event_loop_delay_ms: viewAfter.loopDelayMs,
      watcher_full_gcs: {
        count: viewAfter.majorGc.count - viewBefore.majorGc.count,
        total_ms: Math.round((viewAfter.majorGc.sum - viewBefore.majorGc.sum) * 1000),
      },
      client_event_loop_delay_ms: {
        p99: Math.round(clientDelay.percentile(99) / 1e6),
        max: Math.round(clientDelay.max / 1e6),
      },
      step_report_ms: { p50: percentile(reported, 50), p99: percentile(reported, 99) },
      events_lost: lost,
      events_duplicated: extra,
      watcher_rss_mb: {
        before_subscribers: +(before.rss / 2 ** 20).toFixed(1),
        idle_with_subscribers: +(idle.rss / 2 ** 20).toFixed(1),
      },
      memory_per_idle_subscriber_kb: +settled.toFixed(1),
      memory_per_subscriber_kb_15_s_after_connecting: +soonAfter.toFixed(1),
      watcher_cpu_percent_of_one_core: Math.round((cpuUsed / elapsed) * 100),
      // Keeping idle subscribers: keep-alive pings and their pongs, timers.
      watcher_idle_cpu_percent_of_one_core: +(((idle.cpu - soon.cpu) / idleSeconds) * 100).toFixed(1),
      producer_cpu_percent_of_one_core: Math.round((producerCpuUsed / elapsed) * 100),
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    agent.destroy();
    await teardown.run();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
