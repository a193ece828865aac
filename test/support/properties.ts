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
