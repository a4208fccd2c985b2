import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time on 2 cores: most tests wait on Azurite, the simulator or timers, so two
    // workers take the suite from ~745 s to ~480 s here (vitest's default is cores - 1 = one).
    maxWorkers: 2,
    globalSetup: ['test/setup/simulator-ca.ts'],
  },
});
