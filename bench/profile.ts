/**
 * Profiles the gateway on one scenario: a first gateway process seeds the jobs, a second one
 * started with `--cpu-prof` on the same database runs the scenario alone, and the profile's self
 * time is printed by package and by function.
 *
 *   node --import tsx bench/profile.ts --scenario graphql-pause [--duration 8] [--jobs 6000] [--auth] [--save p.cpuprofile]
 *
 * With `--database`, it also reports what PostgreSQL did meanwhile (database-sampler.ts).
 */
import { copyFileSync, readdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { createPostgresDatabase } from '../test/support/databases.js';
import { startOidcIssuer } from '../test/support/oidc-issuer.js';
import { databaseSampler } from './database-sampler.js';
import { JobPool, runLoad } from './load.js';
import { cpuSeconds, gatewayCommand, startGateway, startServerProcess } from './processes.js';
import { scenarios, WORKSPACE } from './scenarios.js';

const { values: flags } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'graphql-pause' },
    duration: { type: 'string', default: '8' },
    jobs: { type: 'string', default: '6000' },
    connections: { type: 'string', default: '16' },
    auth: { type: 'boolean', default: false },
    top: { type: 'string', default: '40' },
    /** Keep the raw profile at this path, to open in Chrome's DevTools. */
    save: { type: 'string' },
    /** Without the profiler: the CPU figure alone, undisturbed by sampling. */
    'cpu-only': { type: 'boolean', default: false },
    /** Also PostgreSQL's CPU, WAL and waits while the scenario runs. */
    database: { type: 'boolean', default: false },
  },
});
const scenario = scenarios.find((s) => s.id === flags.scenario)!;
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function summarize(profile: Profile, responses: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    total += us;
    const pkg =
      /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
      (url.includes('/dist/') ? 'gateway' : url.startsWith('node:') ? 'node' : url || functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${url.replace(/.*node_modules\//, '')}:${lineNumber}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const perResponse = (us: number) => `${(us / 1000 / responses).toFixed(3)} ms`;
  console.log(`profiled CPU (not idle): ${perResponse(total)} per response over ${responses} responses`);
  for (const [pkg, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`  ${perResponse(us)}  ${pkg}`);
  console.log('top functions (self):');
  for (const [fn, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(flags.top)))
    console.log(`  ${perResponse(us)}  ${fn}`);
}

const database = await createPostgresDatabase(adminUrl, 'gateway_bench');
const dir = mkdtempSync(join(tmpdir(), 'gateway-profile-'));
try {
  const url = database.options.databaseUrl!;
  const issuer = flags.auth ? await startOidcIssuer() : undefined;
  const env = issuer ? issuer.environment({ NMP_AUTH_DEFAULT_WORKSPACE: WORKSPACE }) : {};
  const headers = issuer
    ? { authorization: `Bearer ${await issuer.mint({ email: 'bench@example.com', scope: 'jobs:write' })}` }
    : undefined;
  const seeder = await startGateway(url);
  const pool = new JobPool();
  const create = scenarios.find((s) => s.jobs === 'new')!;
  await runLoad(seeder.url, create, pool, { connections: 50, amount: Number(flags.jobs) });
  await seeder.stop();
  // Settled as the full run settles it before each scenario: planned with fresh statistics, not in
  // the middle of the autovacuum the seeding set off.
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin`vacuum analyze`;
  await admin`checkpoint`;
  await admin.end();
  const sampler = flags.database ? await databaseSampler(url) : undefined;
  const profiling = flags['cpu-only'] ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const gateway = await startServerProcess([...profiling, ...gatewayCommand()], {
    DATABASE_URL: url,
    ...env,
  });
  // Warm-up: a second of the scenario itself, then the profiled part from a CPU reading.
  const warm = scenario.jobs === 'fresh' ? Math.min(500, pool.freshCount / 4) : 0;
  await runLoad(gateway.url, scenario, pool, {
    connections: Number(flags.connections),
    duration: 1,
    freshJobs: warm,
    headers,
  });
  const sampling = await sampler?.start();
  const cpu = cpuSeconds(gateway.pid);
  const result = await runLoad(gateway.url, scenario, pool, {
    connections: Number(flags.connections),
    duration: Number(flags.duration),
    freshJobs: pool.freshCount,
    headers,
  });
  const used = cpuSeconds(gateway.pid) - cpu;
  const databaseLines = (await sampling?.stop(result.responses)) ?? [];
  console.log(
    `${scenario.id}: ${Math.round(result.requestsPerSecond)} req/s, p50 ${result.p50} ms, ` +
      `p99 ${result.p99} ms, ${result.errors} errors, ` +
      `${((used * 1000) / result.responses).toFixed(3)} ms of gateway CPU per response`,
  );
  for (const line of databaseLines) console.log(line);
  await gateway.stop();
  await issuer?.close();
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file && flags.save) copyFileSync(join(dir, file), flags.save);
  if (file) summarize(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile, result.responses);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await database.drop();
}
