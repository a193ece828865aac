/**
 * What PostgreSQL did while a scenario ran: its processes' CPU, the WAL it wrote and flushed, and
 * what the gateway's server processes were waiting for, sampled from `pg_stat_activity`. Says
 * whether a row is bound by PostgreSQL's CPU or by its commits' flushes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import postgres from 'postgres';
import { cpuSeconds } from './processes.js';

/** Seconds of CPU every `postgres` process on this machine has used so far (the server is local). */
function postgresCpuSeconds(): number {
  let seconds = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') seconds += cpuSeconds(Number(pid));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return seconds;
}

interface WalStats {
  bytes: number;
  flushes: number;
  flushMs: number;
}

const SAMPLE_EVERY_MS = 5;

/**
 * Turns on WAL I/O timing for `databaseUrl`'s database (for connections opened after this; needs a
 * superuser, as the benchmark's scratch database has) and returns a sampler to start around the
 * measured part.
 */
export async function databaseSampler(databaseUrl: string) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const name = new URL(databaseUrl).pathname.slice(1);
  await sql.unsafe(`alter database "${name}" set track_wal_io_timing = on`);
  const wal = async (): Promise<WalStats> => {
    const [row] = await sql`select wal_bytes::float8 as bytes, wal_sync::float8 as flushes,
      wal_sync_time::float8 as flush_ms from pg_stat_wal`;
    return { bytes: row.bytes, flushes: row.flushes, flushMs: row.flush_ms };
  };

  return {
    async start() {
      const started = { wal: await wal(), cpu: postgresCpuSeconds(), at: performance.now() };
      const waits = new Map<string, number>();
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const rows = await sql<{ wait: string }[]>`
            select coalesce(wait_event_type || ':' || wait_event, 'on a CPU') as wait
            from pg_stat_activity
            where datname = current_database() and state = 'active' and pid <> pg_backend_pid()`;
          for (const { wait } of rows) waits.set(wait, (waits.get(wait) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
        }
      })();
      return {
        /** One line per figure, per response where that is what it means. */
        async stop(responses: number): Promise<string[]> {
          sampling = false;
          await sampler;
          const seconds = (performance.now() - started.at) / 1000;
          const cpu = postgresCpuSeconds() - started.cpu;
          const { bytes, flushes, flushMs } = await wal();
          const flushed = flushes - started.wal.flushes;
          const flushedMs = flushMs - started.wal.flushMs;
          await sql.end();
          const samples = [...waits.values()].reduce((a, b) => a + b, 0);
          const top = [...waits]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 6)
            .map(([wait, n]) => `${wait} ${Math.round((100 * n) / samples)} %`);
          return [
            `PostgreSQL: ${((cpu * 1000) / responses).toFixed(3)} ms of CPU per response (every postgres process)`,
            `WAL: ${Math.round((bytes - started.wal.bytes) / responses)} bytes per response; ` +
              `${flushed} flushes (${(responses / Math.max(flushed, 1)).toFixed(1)} responses a flush, ` +
              `${(flushedMs / Math.max(flushed, 1)).toFixed(2)} ms each), flushing ` +
              `${Math.round(flushedMs / 10 / seconds)} % of the time`,
            `the gateway's server processes, when active (${samples} samples): ${top.join(', ')}`,
          ];
        },
      };
    },
  };
}
