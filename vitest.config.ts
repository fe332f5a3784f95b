import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against each package's `src/` through the "source" export condition, so no build is
// needed before `pnpm test`.
const resolve = { conditions: ['source', 'import', 'module', 'node', 'default'] };

export default defineConfig({
  resolve,
  ssr: { resolve: { conditions: resolve.conditions, externalConditions: ['source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'autograd', root: 'packages/autograd', include: ['test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'backend-wasm',
          root: 'packages/backend-wasm',
          include: ['test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'optim', root: 'packages/optim', include: ['test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'data', root: 'packages/data', include: ['test/**/*.test.ts'] },
      },
      { extends: true, test: { name: 'demo', root: 'apps/demo', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'bench', root: 'apps/bench', include: ['test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'differential',
          root: 'packages/differential',
          include: ['test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'playground', root: 'apps/playground', include: ['test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'backend-gpujs',
          root: 'packages/backend-gpujs',
          include: ['test/**/*.test.ts'],
        },
      },
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // expect(...).toBeAllClose(expected, { rtol, atol }) in every project.
    setupFiles: [fileURLToPath(new URL('./test-support/matchers.ts', import.meta.url))],
  },
});
