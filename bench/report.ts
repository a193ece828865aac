/** The benchmark's output: one markdown document, for the terminal and for bench/results/. */
import { cpus, loadavg } from 'node:os';
import type { LoadResult } from './load.js';
import type { Scenario } from './scenarios.js';

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  postgres: string;
  date: string;
  loadAverage: number;
}

export function describeMachine(postgresVersion: string): Machine {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    node: process.version,
    postgres: postgresVersion,
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    loadAverage: loadavg()[0],
  };
}

export interface ScenarioRow {
  scenario: Scenario;
  result: LoadResult;
  /** CPU the answering server's process used during the scenario. */
  serverCpuSeconds: number;
  /** The bare pause's rate (req/s) in the short runs right before and after this scenario. */
  bareAround?: number;
}

/**
 * Milliseconds of the answering server's CPU per response: what a request costs that server, which
 * other work on a shared machine disturbs far less than it disturbs the rate.
 */
export const cpuPerResponse = (cpuSeconds: number, responses: number) =>
  responses > 0 ? ((cpuSeconds * 1000) / responses).toFixed(2) : '–';

/** What bench/subscribers.ts prints. */
export interface SubscriberReport {
  subscribers: number;
  jobs: number;
  status_changes: number;
  achieved_rate_per_s: number;
  deliveries: number;
  latency_ms: { p50: number; p99: number; max: number };
  warm_up: { seconds: number; latency_ms: { p50: number; p99: number; max: number } };
  watcher_feed_lag_ms_mean: number;
  /** The upper bound of the histogram bucket the 99th percentile fell in; null past the last. */
  watcher_feed_lag_ms_p99_at_most: number | null;
  watcher_event_loop_delay_ms: { p99: number; max: number };
  watcher_full_gcs: { count: number; total_ms: number };
  client_event_loop_delay_ms: { p99: number; max: number };
  step_report_ms: { p50: number; p99: number };
  events_lost: number;
  events_duplicated: number;
  memory_per_idle_subscriber_kb: number;
  memory_per_subscriber_kb_15_s_after_connecting: number;
  watcher_cpu_percent_of_one_core: number;
  watcher_idle_cpu_percent_of_one_core: number;
  producer_cpu_percent_of_one_core: number;
}

export interface Report {
  machine: Machine;
  gatewayCommand: string;
  connections: number;
  duration: number;
  jobsAtStart: number;
  rows: ScenarioRow[];
  referenceId: string;
  memory: {
    atStart: number;
    afterSeeding: number;
    peakDuringScenarios: number;
    peakScenario: string;
    highWaterMark: number;
  };
  subscribers?: SubscriberReport | { skipped: string } | { failed: string };
  /** From the pair's processes run in turn (off, on, on, off); absent when the pair was not run. */
  accessCost?: AccessCost;
}

/**
 * What access control costs, as fractions of the rate and of CPU per response: the medians over
 * rounds of turns (off, on, on, off), each round's from its turns pooled.
 */
export interface AccessCost {
  rate: number;
  rateRange: [number, number];
  cpuPerResponse: number;
  rounds: number;
  secondsEach: number;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

/** What access control costs: the pause with it on against the same pause on a process started alike. */
function accessCost(report: Report): string[] {
  const open = report.rows.find((r) => r.scenario.id === 'rest-pause-open');
  const checked = report.rows.find((r) => r.scenario.id === 'rest-pause-auth');
  if (!open || !checked) return [];
  const percent = (x: number) => `${(x * 100).toFixed(1)} %`;
  const rate = 1 - checked.result.requestsPerSecond / open.result.requestsPerSecond;
  const cpu = (r: ScenarioRow) => r.serverCpuSeconds / Math.max(1, r.result.responses);
  const cpuCost = cpu(checked) / cpu(open) - 1;
  const turns = report.accessCost;
  return [
    '',
    `Access control's cost (the pause on two processes started and warmed alike, one checking a ` +
      `bearer token and the caller's role on every request): ` +
      (turns
        ? `run in ${turns.rounds} rounds of turns, off, on, on, off, ${turns.secondsEach} s each, ` +
          `${percent(turns.rate)} of the rate at the median round (${percent(turns.rateRange[0])} to ` +
          `${percent(turns.rateRange[1])}) and ${percent(turns.cpuPerResponse)} more gateway CPU per ` +
          `response (target: under 10 %); the two rows ` +
          `above, run once each one after the other, ${percent(rate)} and ${percent(cpuCost)}.`
        : `${percent(rate)} of the rate, ${percent(cpuCost)} more gateway CPU per response (target: under 10 %).`),
  ];
}

export function renderReport(report: Report): string {
  const { machine, rows, memory } = report;
  const reference = rows.find((r) => r.scenario.id === report.referenceId)?.result.requestsPerSecond;
  const lines = [
    `# Jobs gateway benchmark, ${machine.date}`,
    '',
    `Machine: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, PostgreSQL ${machine.postgres}; ` +
      `load average ${machine.loadAverage.toFixed(2)} at the start. ` +
      'The load generator, the servers and PostgreSQL share these cores.',
    '',
    `Load: ${report.connections} connections, ${report.duration} s per scenario, every request checked. ` +
      `${count(report.jobsAtStart)} jobs in the database (all created through the gateway's REST API) before ` +
      `the first scenario; each pause addresses a different job in \`created\`. Gateway run as ` +
      `\`node ${report.gatewayCommand}\`.`,
    '',
    'Each row but the bare pause ran between two short runs of the bare pause; its ratio is to their rate ' +
      "(the machine's speed moves from minute to minute). Every other server process was paused meanwhile.",
    '',
    '| scenario | req/s | p50 | p99 | errors | bare pause around it | ratio to it | server CPU per response |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(({ scenario, result, serverCpuSeconds, bareAround }) => {
      const base = scenario.id === report.referenceId ? reference : bareAround;
      const ratio = base ? (result.requestsPerSecond / base).toFixed(2) : '–';
      const around = bareAround ? count(bareAround) : '–';
      const errors = count(result.errors) + (result.ranOutOfJobs ? ' (ran out of fresh jobs)' : '');
      const cpu = cpuPerResponse(serverCpuSeconds, result.responses);
      return `| ${scenario.label} | ${count(result.requestsPerSecond)} | ${result.p50} ms | ${result.p99} ms | ${errors} | ${around} | ${ratio} | ${cpu} ms |`;
    }),
    ...accessCost(report),
    '',
    `Gateway memory (RSS): ${mb(memory.atStart)} once started; ${mb(memory.afterSeeding)} right after ` +
      `${count(report.jobsAtStart)} jobs were created (target: under 250 MB); peak ` +
      `${mb(memory.peakDuringScenarios)} during the scenarios (in "${memory.peakScenario}"); ` +
      `high-water mark ${mb(memory.highWaterMark)} over the whole run.`,
  ];

  const subscribers = report.subscribers;
  lines.push('', '## Realtime: graphql-ws subscribers (bench/subscribers.ts)', '');
  if (!subscribers) {
    lines.push('Not run.');
  } else if ('skipped' in subscribers) {
    lines.push(`Skipped (${subscribers.skipped}).`);
  } else if ('failed' in subscribers) {
    lines.push(`Failed: ${subscribers.failed}`);
  } else {
    const s = subscribers;
    lines.push(
      `${count(s.subscribers)} subscribers (each its own graphql-ws connection and \`jobStatus\` subscription) ` +
        `on one gateway process over ${count(s.jobs)} jobs; ${count(s.status_changes)} status changes made ` +
        'through REST on a second gateway process. Latency is from the change (just before its commit) to receipt.',
      '',
      '| subscribers | changes/s achieved | deliveries | p50 | p99 | lost | duplicated | memory per idle subscriber | subscriber-process CPU |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| ${count(s.subscribers)} | ${count(s.achieved_rate_per_s)} | ${count(s.deliveries)} | ` +
        `${s.latency_ms.p50} ms | ${s.latency_ms.p99} ms | ${count(s.events_lost)} | ${count(s.events_duplicated)} | ` +
        `${s.memory_per_idle_subscriber_kb} KB | ${s.watcher_cpu_percent_of_one_core} % of a core |`,
      '',
      `Measured after ${s.warm_up.seconds} s of changes at the same rate, as the HTTP scenarios are after their ` +
        `warm-up: in those first seconds, the watcher's delivery code still cold after its idle minute, deliveries ` +
        `took ${s.warm_up.latency_ms.p50} ms at p50, ${s.warm_up.latency_ms.p99} ms at p99 (max ${s.warm_up.latency_ms.max} ms).`,
      '',
      `Memory per idle subscriber is the watcher's resident memory once it has settled (60 s after the last ` +
        `connection); 15 s after connecting, before V8 has collected what connecting left behind, it was ` +
        `${s.memory_per_subscriber_kb_15_s_after_connecting} KB. Holding them idle (keep-alive pings and ` +
        `their pongs) cost the watcher ${s.watcher_idle_cpu_percent_of_one_core} % of a core.`,
      '',
      `Where the time went: the watching process's feed read each change ${s.watcher_feed_lag_ms_mean} ms after it on ` +
        `average (p99 ≤ ${s.watcher_feed_lag_ms_p99_at_most ?? '> 10,000'} ms); its event loop was delayed ` +
        `${s.watcher_event_loop_delay_ms.p99} ms at p99 (max ${s.watcher_event_loop_delay_ms.max} ms), with ` +
        `${s.watcher_full_gcs.count} full garbage collections (${s.watcher_full_gcs.total_ms} ms); the subscribers' ` +
        `own process was delayed ${s.client_event_loop_delay_ms.p99} ms at p99 (max ${s.client_event_loop_delay_ms.max} ms); ` +
        `a step report took ${Math.round(s.step_report_ms.p50)} ms to answer at the producing process ` +
        `(p50; p99 ${Math.round(s.step_report_ms.p99)} ms), which used ${s.producer_cpu_percent_of_one_core} % of a core.`,
    );
  }
  return lines.join('\n') + '\n';
}
