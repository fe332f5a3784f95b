/**
 * The package runs in a browser: no source file imports a `node:` module, esbuild bundles it for
 * `--platform=browser`, and the bundle, run in a bare JavaScript context (no process, require,
 * Buffer or other Node globals), trains a step and gets the gradient a float64 hand computation
 * gives.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { browserBundle, runInBareContext } from '../../../test-support/browser-bundle.js';

const src = fileURLToPath(new URL('../src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

describe('@thermograd/autograd in a browser', () => {
  it('no source file imports a node: module', () => {
    const offenders = sourceFiles(src).filter((f) =>
      /from\s+['"]node:|import\(\s*['"]node:|require\(\s*['"]node:/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('bundles for the browser and trains a step without Node globals', async () => {
    const code = await browserBundle(join(src, 'index.ts'));
    const result = runInBareContext(
      code,
      `const { tensor, mseLoss, listBackends } = bundle;
      const w = tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
      const x = tensor([[1, -1], [2, 0.5]]);
      mseLoss(x.matmul(w), tensor([[0, 0], [0, 0]])).backward();
      globalThis.result = [...w.grad.toArray(), listBackends().length];`,
    ) as number[];
    // y = x·w = [[-2, -2], [3.5, 6]]; d mean(y²)/dw = xᵀ·(2y/4).
    const y = [
      [-2, -2],
      [3.5, 6],
    ];
    const x = [
      [1, -1],
      [2, 0.5],
    ];
    const grad = [0, 1].flatMap((i) =>
      [0, 1].map((j) => (x[0][i] * 2 * y[0][j]) / 4 + (x[1][i] * 2 * y[1][j]) / 4),
    );
    expect(result.slice(0, 4)).toBeAllClose(grad, { rtol: 1e-6 });
    expect(result[4]).toBe(1); // the reference backend alone
  });
});
