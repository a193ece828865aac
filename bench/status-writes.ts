/**
 * Write-path benchmark: status changes per second through REST (`PATCH …/steps/{step}/status`) on
 * one gateway process over PostgreSQL, at several concurrencies.
 *
 *   npx tsx bench/status-writes.ts [--jobs 100] [--changes 2000] [--concurrency 1,8,16,16]
 *
 * Each change is a real transition (active → pausing → paused → active, round robin over the jobs),
 * so every request locks the job, writes the step, the job and a status event, and commits.
 * Needs PostgreSQL: BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test (a scratch
 * database is created and dropped). Repeat a concurrency to see it once the JIT has warmed up.
 */
import { parseArgs } from 'node:util';
import { createPostgresDatabase } from '../test/support/databases.js';
import { startGateway } from './processes.js';
import { Teardown } from './teardown.js';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100' },
    changes: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '1,8,16,16' },
  },
});
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const JSON_HEADERS = { 'content-type': 'application/json' };

async function main() {
  const teardown = new Teardown();
  teardown.onSignals();
  try {
    const database = await createPostgresDatabase(adminUrl, 'gateway_bench');
    teardown.add('drop the scratch database', () => database.drop());
    const gateway = await startGateway(database.options.databaseUrl!);
    teardown.add('stop the gateway', () => gateway.stop());
    const api = `${gateway.url}/apis/jobs/v2/workspaces/bench/jobs`;
    const names = Array.from({ length: Number(args.jobs) }, (_, i) => `job-${i}`);
    for (const name of names) {
      await fetch(api, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({
          name,
          source: 'bench',
          spec: {},
          platform_spec: {
            steps: [{ name: 'work', executor: { provider: 'cpu', container: { image: 'x' } } }],
          },
        }),
      });
    }
    const cycle = ['active', 'pausing', 'paused'];
    const next = new Map(names.map((n) => [n, 0]));
    for (const concurrency of args.concurrency.split(',').map(Number)) {
      const perWorker = Math.ceil(Number(args.changes) / concurrency);
      const started = Date.now();
      let done = 0;
      // Each worker owns its own jobs, so a job's changes stay in order.
      await Promise.all(
        Array.from({ length: concurrency }, async (_, worker) => {
          const mine = names.filter((_, i) => i % concurrency === worker);
          for (let i = 0; i < perWorker; i++) {
            const name = mine[i % mine.length];
            const status = cycle[next.get(name)! % 3];
            next.set(name, next.get(name)! + 1);
            const res = await fetch(`${api}/${name}/steps/work/status`, {
              method: 'PATCH',
              headers: JSON_HEADERS,
              body: JSON.stringify({ status }),
            });
            if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
            done++;
          }
        }),
      );
      const seconds = (Date.now() - started) / 1000;
      console.log(`concurrency ${concurrency}: ${Math.round(done / seconds)} status changes/s`);
    }
  } finally {
    await teardown.run();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
