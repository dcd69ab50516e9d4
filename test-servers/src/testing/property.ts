/**
 * Test-only (not exported): the fast-check parameters every property test uses. A fixed seed
 * by default, so CI is reproducible; `FC_SEED` replays or varies a run and `FC_NUM_RUNS` widens
 * it (for example `FC_NUM_RUNS=20000 pnpm test` before a release).
 */
export function propertyRuns(defaultRuns: number): { seed: number; numRuns: number } {
  return {
    seed: Number(process.env.FC_SEED ?? 42),
    numRuns: Number(process.env.FC_NUM_RUNS ?? defaultRuns),
  };
}
