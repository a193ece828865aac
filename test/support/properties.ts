/**
 * fast-check settings shared by the property and fuzz suites: modest run counts (the whole suite
 * runs on two cores), and a failure replayed from its seed.
 *
 * A failing property prints `seed` and `path`; replay it with
 * `FC_SEED=<seed> FC_PATH=<path> npx vitest run <file>` (FC_RUNS raises the run count).
 */
import fc from 'fast-check';

export function propertyOptions<Ts>(numRuns: number): fc.Parameters<Ts> {
  const seed = process.env.FC_SEED;
  const path = process.env.FC_PATH;
  const runs = process.env.FC_RUNS;
  return {
    numRuns: runs ? Number(runs) : numRuns,
    ...(seed ? { seed: Number(seed) } : {}),
    ...(path ? { path } : {}),
  };
}

/** A test timeout that grows with FC_RUNS, so that a long replay or bug hunt is not cut short. */
export const propertyTimeoutMs = (numRuns: number) =>
  Math.max(120_000, Number(process.env.FC_RUNS ?? numRuns) * 3_000);
