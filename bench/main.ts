/**
 * `npm run bench`: the gateway against a bare server doing the same pause, in one run, on a scratch
 * PostgreSQL database; then the realtime subscriber benchmark. Prints a markdown report and writes
 * it to bench/results/latest.md.
 *
 *   npm run bench -- [--duration 10] [--only bare-pause,rest-pause] [--skip-subscribers] …  (--help)
 *
 * BENCH_DATABASE_URL is the admin URL of the PostgreSQL server to use (default
 * postgres://postgres@127.0.0.1:5432/test); the scratch databases are created and dropped there.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { createPostgresDatabase } from '../test/support/databases.js';
import { startOidcIssuer } from '../test/support/oidc-issuer.js';
import { JobPool, runLoad, type LoadOptions } from './load.js';
import { checkBarePauseParity } from './parity.js';
import {
  cpuSeconds,
  gatewayCommand,
  residentMemory,
  sampleMemory,
  startBareServer,
  startGateway,
  stopProcess,
  whileOthersPause,
  type ServerProcess,
} from './processes.js';
import {
  cpuPerResponse,
  describeMachine,
  renderReport,
  type AccessCost,
  type Report,
  type ScenarioRow,
} from './report.js';
import { PAGE_SIZE, REFERENCE, scenarios, WORKSPACE, type Scenario } from './scenarios.js';
import { percentile } from './stats.js';
import { Teardown } from './teardown.js';

const USAGE = `npm run bench -- [flags]
  --connections N          concurrent connections per scenario (50)
  --duration S             seconds per scenario (10)
  --jobs N                 fresh jobs set aside for each pause scenario (3,500 per second of --duration)
  --total-jobs N           jobs created through REST before the scenarios, at least (100000)
  --only ID,ID             run only these scenarios: ${scenarios.map((s) => s.id).join(', ')}
  --subscribers N          graphql-ws subscribers in the realtime benchmark (10000; 0 skips it)
  --subscriber-jobs N      jobs they watch (1000)
  --subscriber-rate N      status changes per second (500)
  --subscriber-seconds S   seconds of status changes (20)
  --skip-subscribers       skip the realtime benchmark
  --output FILE            where the report is written (bench/results/latest.md)`;

function readFlags() {
  try {
    return parseArgs({
      options: {
        connections: { type: 'string', default: '50' },
        duration: { type: 'string', default: '10' },
        jobs: { type: 'string' },
        'total-jobs': { type: 'string', default: '100000' },
        only: { type: 'string' },
        subscribers: { type: 'string', default: '10000' },
        'subscriber-jobs': { type: 'string', default: '1000' },
        'subscriber-rate': { type: 'string', default: '500' },
        'subscriber-seconds': { type: 'string', default: '20' },
        'skip-subscribers': { type: 'boolean', default: false },
        output: { type: 'string', default: 'bench/results/latest.md' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const flags = readFlags();
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}

function wholeNumber(flag: string, value: string | undefined, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${flag} must be a whole number of at least ${min}, not ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
}

const connections = wholeNumber('connections', flags.connections);
const duration = wholeNumber('duration', flags.duration);
const jobsPerScenario = wholeNumber('jobs', flags.jobs ?? String(duration * 3_500));
const totalJobs = wholeNumber('total-jobs', flags['total-jobs'], 0);
const subscribers = wholeNumber('subscribers', flags.subscribers, 0);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const selected = flags.only ? flags.only.split(',').map((id) => id.trim()) : scenarios.map((s) => s.id);
const unknown = selected.filter((id) => !scenarios.some((s) => s.id === id));
if (unknown.length > 0) {
  console.error(
    `Unknown scenario ${unknown.join(', ')}; the scenarios are ${scenarios.map((s) => s.id).join(', ')}`,
  );
  process.exit(2);
}
// Access control's cost is measured as a pair, on two processes started alike: either row brings the other.
const ACCESS_PAIR = ['rest-pause-open', 'rest-pause-auth'];
if (selected.some((id) => ACCESS_PAIR.includes(id))) selected.push(...ACCESS_PAIR);
const chosen = scenarios.filter((s) => selected.includes(s.id));
const pairChosen = chosen.some((s) => s.server === 'gateway-auth');

const log = (line: string) => console.error(line);
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(0);
const count = (n: number) => n.toLocaleString('en-US');

/** Creates jobs through the gateway's REST API, concurrently, until the pool holds what the scenarios need. */
async function seed(gateway: ServerProcess, pool: JobPool, fresh: number, total: number) {
  const create = scenarios.find((s) => s.jobs === 'new')!;
  const started = Date.now();
  log(
    `Seeding through REST create: ${count(Math.max(fresh, total))} jobs, ${count(fresh)} of them to pause…`,
  );
  for (;;) {
    const missing = Math.max(fresh - pool.freshCount, total - pool.size);
    if (missing <= 0) break;
    const amount = Math.min(missing, 10_000);
    const before = pool.size;
    const result = await runLoad(gateway.url, create, pool, {
      connections: Math.min(connections, amount),
      amount,
    });
    if (pool.size === before) {
      throw new Error(
        `the gateway created no job: ${result.errorSamples.join('\n') || `${result.errors} errors`}`,
      );
    }
    log(`  ${count(pool.size)} jobs (${seconds(started)} s)`);
  }
  log(`Seeded in ${seconds(started)} s (${Math.round(pool.size / ((Date.now() - started) / 1000))} jobs/s).`);
}

const WARM_UP_SECONDS = 5;

interface AuthorizedServer {
  server: ServerProcess;
  headers?: Record<string, string>;
}

/**
 * Rounds of access control's turns: off, on, on, off, each a fifth of a scenario. The machine's
 * speed moves from minute to minute (the bare pause around the rows of one run ranged 1,330–2,039
 * req/s), and one round of half a scenario a turn showed that drift as anything from a 4 % gain
 * to an 18 % cost from one run to the next; short turns see the same machine on both sides, and
 * the median of the rounds is not moved by the one a checkpoint or a neighbour fell into.
 */
const ACCESS_ROUNDS = 5;
const accessTurnSeconds = Math.max(1, Math.round(duration / 5));
/**
 * Fresh jobs for each access turn: half as many again as a scenario's rate allows, since a short
 * turn on a fast minute outruns it.
 */
const accessTurnJobs = Math.ceil(((1.5 * jobsPerScenario) / duration) * accessTurnSeconds);
/** Every fresh job the access turns may use up. */
const accessJobs = ACCESS_ROUNDS * 4 * accessTurnJobs;

/**
 * Access control's cost from the pair's two processes run in turns (ACCESS_ROUNDS), not from the
 * pair's rows: those run one after the other, so any drift of the machine between them shows as a
 * cost or a gain.
 */
async function measureAccessCost(
  open: AuthorizedServer,
  checked: AuthorizedServer,
  everyServer: ServerProcess[],
  pool: JobPool,
  settle: () => Promise<void>,
): Promise<AccessCost> {
  const pause = scenarios.find((s) => s.id === 'rest-pause-open')!;
  const rates: number[] = [];
  const cpus: number[] = [];
  await settle();
  for (let round = 0; round < ACCESS_ROUNDS; round++) {
    const totals = new Map([open, checked].map((side) => [side, { responses: 0, cpu: 0 }]));
    for (const side of [open, checked, checked, open]) {
      const cpuBefore = cpuSeconds(side.server.pid);
      const result = await runAlone(side.server, everyServer, pause, pool, {
        connections,
        duration: accessTurnSeconds,
        freshJobs: accessTurnJobs,
        headers: side.headers,
      });
      if (result.errors > 0 || result.ranOutOfJobs) {
        throw new Error(`access control's cost: ${result.errors} errors; ${result.errorSamples.join('\n')}`);
      }
      const total = totals.get(side)!;
      total.responses += result.responses;
      total.cpu += cpuSeconds(side.server.pid) - cpuBefore;
    }
    const [off, on] = [totals.get(open)!, totals.get(checked)!];
    rates.push(1 - on.responses / off.responses);
    cpus.push(on.cpu / on.responses / (off.cpu / off.responses) - 1);
  }
  // ACCESS_ROUNDS is odd: the 50th percentile is the middle round.
  const median = (values: number[]) =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    );
  return {
    rate: median(rates),
    rateRange: [Math.min(...rates), Math.max(...rates)],
    cpuPerResponse: median(cpus),
    rounds: ACCESS_ROUNDS,
    secondsEach: accessTurnSeconds,
  };
}

/** `runLoad` against `server`, with every other server of `everyServer` paused meanwhile. */
const runAlone = (
  server: ServerProcess,
  everyServer: ServerProcess[],
  scenario: Scenario,
  pool: JobPool,
  options: LoadOptions,
) =>
  whileOthersPause(
    everyServer.filter((other) => other !== server),
    () => runLoad(server.url, scenario, pool, options),
  );

/**
 * Seconds of the bare pause right before and right after each other scenario: the row's ratio is to
 * these. The machine's speed moves from minute to minute, so a ratio to the bare row, measured
 * minutes earlier, said as much about the machine as about the gateway (the same gateway build,
 * seeding process against fresh ones, once looked 30 % slower that way, and not at all in turns).
 */
const BRACKET_SECONDS = 2;
const bracketJobs = Math.ceil((jobsPerScenario / duration) * BRACKET_SECONDS);
/**
 * Seconds of each scenario run before it is measured: a gateway that has served only creates runs
 * a pause's code cold at first (GraphQL pauseJob: 0.73 ms of CPU per response in its warm-up, 0.50
 * ms in the 10 s after it), where a gateway in service has long compiled it. Without it, the
 * process that seeded the jobs looked slower than fresh ones warmed up by reads (0.52 against 0.40
 * ms per REST pause); in turns, each warmed up by a second of the pause, the two did not differ.
 */
const SCENARIO_WARM_UP_SECONDS = 3;
const warmUpJobs = Math.ceil((jobsPerScenario / duration) * SCENARIO_WARM_UP_SECONDS);
const bareChosen = chosen.some((s) => s.id === REFERENCE);
const bracketed = bareChosen ? chosen.filter((s) => s.id !== REFERENCE).length : 0;

/**
 * Runs the chosen scenarios one after the other, sampling the gateway's RSS meanwhile, with every
 * other server paused, and each scenario but the bare pause between two short runs of the bare
 * pause. Each starts from a settled database: the writes of the one before (tens of thousands of
 * pauses) would otherwise set autovacuum and a checkpoint off in the middle of the next (a create
 * row once fell from about 1,000 to 194 req/s that way).
 */
async function measure(
  servers: Record<Scenario['server'], AuthorizedServer | undefined>,
  everyServer: ServerProcess[],
  pool: JobPool,
  settle: () => Promise<void>,
) {
  const gateway = servers.gateway!.server;
  const bare = scenarios.find((s) => s.id === REFERENCE)!;
  const barePause = () =>
    runAlone(servers.bare!.server, everyServer, bare, pool, {
      connections,
      duration: BRACKET_SECONDS,
      freshJobs: bracketJobs,
    });
  const rows: ScenarioRow[] = [];
  const peak = { rss: 0, scenario: '' };
  for (const scenario of chosen) {
    const { server, headers } = servers[scenario.server]!;
    const warmUpCpu = cpuSeconds(server.pid);
    const warmUp = await runAlone(server, everyServer, scenario, pool, {
      connections,
      duration: SCENARIO_WARM_UP_SECONDS,
      freshJobs: warmUpJobs,
      headers,
    });
    const warmUpCpuPerResponse = cpuPerResponse(cpuSeconds(server.pid) - warmUpCpu, warmUp.responses);
    await settle();
    const bracket = bareChosen && scenario.id !== REFERENCE;
    const before = bracket ? await barePause() : undefined;
    const rss = sampleMemory(gateway.pid);
    const cpuBefore = cpuSeconds(server.pid);
    const result = await runAlone(server, everyServer, scenario, pool, {
      connections,
      duration,
      freshJobs: jobsPerScenario,
      headers,
    });
    const serverCpuSeconds = cpuSeconds(server.pid) - cpuBefore;
    const scenarioPeak = rss.stop();
    const after = bracket ? await barePause() : undefined;
    if (scenarioPeak > peak.rss) Object.assign(peak, { rss: scenarioPeak, scenario: scenario.label });
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`the ${scenario.server} server died during "${scenario.label}"`);
    }
    const bareAround =
      before && after ? (before.responses + after.responses) / (2 * BRACKET_SECONDS) : undefined;
    if (before?.errors || after?.errors || before?.ranOutOfJobs || after?.ranOutOfJobs) {
      throw new Error(
        `the bare pause around "${scenario.label}" failed: ${[...before!.errorSamples, ...after!.errorSamples].join('\n')}`,
      );
    }
    rows.push({ scenario, result, serverCpuSeconds, bareAround });
    const ranOut = result.ranOutOfJobs ? ' (ran out of fresh jobs: raise --jobs)' : '';
    const around = bareAround ? ` (bare pause around it: ${Math.round(bareAround)} req/s)` : '';
    log(
      `${scenario.id}: ${Math.round(result.requestsPerSecond)} req/s${around}, p50 ${result.p50} ms, ` +
        `p99 ${result.p99} ms, ${result.errors} errors${ranOut}, ` +
        `${cpuPerResponse(serverCpuSeconds, result.responses)} ms of server CPU per response ` +
        `(${warmUpCpuPerResponse} ms in its ${SCENARIO_WARM_UP_SECONDS} s warm-up)`,
    );
    for (const sample of result.errorSamples) log(`  wrong answer: ${sample}`);
  }
  return { rows, peak };
}

/** bench/subscribers.ts in a process of its own, with its own gateways and scratch database. */
function runSubscriberBenchmark(teardown: Teardown): Promise<Report['subscribers']> {
  const args = [
    ...['--subscribers', String(subscribers), '--jobs', flags['subscriber-jobs']],
    ...['--rate', flags['subscriber-rate'], '--seconds', flags['subscriber-seconds']],
  ];
  log(`Subscriber benchmark: ${args.join(' ')}…`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/subscribers.ts', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  teardown.add('stop the subscriber benchmark', () => stopProcess(child));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      if (code !== 0) return resolve({ failed: `bench/subscribers.ts exited with ${code}` });
      try {
        resolve(JSON.parse(output));
      } catch {
        resolve({ failed: `bench/subscribers.ts printed no report: ${output.slice(0, 300)}` });
      }
    });
  });
}

async function main() {
  const teardown = new Teardown();
  teardown.onSignals();
  try {
    const database = await createPostgresDatabase(adminUrl, 'gateway_bench');
    teardown.add('drop the scratch database', () => database.drop());
    const url = database.options.databaseUrl!;
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    teardown.add('close the database connection', () => sql.end({ timeout: 5 }));
    const [{ server_version: postgresVersion }] = await sql`show server_version`;
    const machine = describeMachine(postgresVersion);

    // The gateway migrates the database; the bare server then works on the gateway's schema.
    const gateway = await startGateway(url);
    teardown.add('stop the gateway', () => gateway.stop());
    const atStart = residentMemory(gateway.pid);
    const bare = await startBareServer(url);
    teardown.add('stop the bare server', () => bare.stop());
    await checkBarePauseParity(gateway.url, bare.url, sql);
    log('The bare server pauses as the gateway does (answers and rows compared).');

    const pool = new JobPool();
    const consumers = chosen.filter((s) => s.jobs === 'fresh').length;
    const fresh =
      consumers * (jobsPerScenario + warmUpJobs) +
      bracketed * 2 * bracketJobs +
      (pairChosen ? accessJobs : 0);
    await seed(gateway, pool, fresh, Math.max(totalJobs, PAGE_SIZE));
    const afterSeeding = residentMemory(gateway.pid);
    // Every scenario starts from the same settled database, not in the middle of autovacuum.
    const settle = async () => {
      await sql`vacuum analyze`;
      await sql`checkpoint`;
    };
    const [{ jobs: jobsAtStart }] = await sql`select count(*)::int as jobs from jobs`;

    // Access control's cost: the same pause on two more gateway processes, one checking a bearer
    // token (RS256, from a local OIDC issuer) and the caller's role on every request, the other
    // not. Both are started the same way after seeding and get the same warm-up (JIT, connection
    // pool, roles cache), so the pair differs by the checks alone; the seeding gateway would be
    // warmer than either.
    let open: AuthorizedServer | undefined;
    let authorized: AuthorizedServer | undefined;
    if (pairChosen) {
      const issuer = await startOidcIssuer();
      teardown.add('stop the token issuer', () => issuer.close());
      const env = issuer.environment({ NMP_AUTH_DEFAULT_WORKSPACE: WORKSPACE });
      const [plain, checking] = await Promise.all([startGateway(url), startGateway(url, env)]);
      teardown.add('stop the gateway without access control', () => plain.stop());
      teardown.add('stop the gateway with access control', () => checking.stop());
      // `*` is an Editor in the default workspace: the role comes from the bindings, as for any member.
      const token = await issuer.mint({ email: 'bench@example.com', scope: 'jobs:write' });
      open = { server: plain };
      authorized = { server: checking, headers: { authorization: `Bearer ${token}` } };
      const warmUp = scenarios.find((s) => s.id === 'rest-get')!;
      for (const side of [open, authorized]) {
        await runLoad(side.server.url, warmUp, pool, { connections, duration: WARM_UP_SECONDS, ...side });
      }
      log(`Warmed both access-control gateways up alike (${WARM_UP_SECONDS} s of reads each).`);
    }

    const servers = {
      gateway: { server: gateway },
      bare: { server: bare },
      'gateway-open': open,
      'gateway-auth': authorized,
    };
    const everyServer = Object.values(servers).flatMap((side) => (side ? [side.server] : []));
    const { rows, peak } = await measure(servers, everyServer, pool, settle);
    const accessCost =
      open && authorized ? await measureAccessCost(open, authorized, everyServer, pool, settle) : undefined;
    if (accessCost) {
      log(
        `access control's cost, in turns: ${(accessCost.rate * 100).toFixed(1)} % of the rate, ` +
          `${(accessCost.cpuPerResponse * 100).toFixed(1)} % more CPU per response`,
      );
    }
    const memory = {
      peakDuringScenarios: peak.rss,
      peakScenario: peak.scenario,
      atStart,
      afterSeeding,
      highWaterMark: residentMemory(gateway.pid, 'VmHWM'),
    };
    // Free the cores and the database before the realtime benchmark starts its own.
    await teardown.run();

    const report: Report = {
      machine,
      gatewayCommand: gatewayCommand().join(' '),
      connections,
      duration,
      jobsAtStart,
      rows,
      referenceId: REFERENCE,
      memory,
      accessCost,
      subscribers:
        flags['skip-subscribers'] || subscribers === 0
          ? { skipped: 'not asked for' }
          : await runSubscriberBenchmark(teardown),
    };
    const markdown = renderReport(report);
    console.log(markdown);
    mkdirSync(dirname(flags.output), { recursive: true });
    writeFileSync(flags.output, markdown);
    log(`Written to ${flags.output}.`);
    const errors = rows.reduce((n, r) => n + r.result.errors, 0);
    if (errors > 0) {
      log(`${errors} wrong answers or failed requests: the figures above are not to be trusted.`);
      process.exitCode = 1;
    }
    if (report.subscribers && 'failed' in report.subscribers) process.exitCode = 1;
  } finally {
    await teardown.run();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
