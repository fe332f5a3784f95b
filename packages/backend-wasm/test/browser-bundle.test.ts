/**
 * The backend runs in a browser: esbuild bundles it (with @thermograd/autograd) for
 * `--platform=browser`, and the bundle, run in a bare JavaScript context with only a browser's
 * `atob` added (no process, require or worker_threads: one thread, as on a browser's main thread),
 * registers 'fast' as the default and computes a matmul and a large relu in wasm bit for bit as
 * under Node.
 */
import { fileURLToPath } from 'node:url';
import { Generator, tensor } from '@thermograd/autograd';
import { describe, expect, it } from 'vitest';
import '../src/index.js';
import { browserBundle, runInBareContext } from '../../../test-support/browser-bundle.js';

const values = (n: number, seed: number) => {
  const rng = new Generator(seed);
  return Array.from({ length: n }, () => rng.uniform() * 2 - 1);
};

describe('@thermograd/backend-wasm in a browser', () => {
  it('bundles for the browser and computes what it computes under Node', async () => {
    const code = await browserBundle({
      contents: "export * from '@thermograd/autograd'; export * from './src/index.ts';",
      resolveDir: fileURLToPath(new URL('..', import.meta.url)),
    });
    const a = values(96 * 80, 1);
    const b = values(80 * 72, 2);
    const x = values(5000, 3);
    const result = runInBareContext(
      code,
      `const { getBackend, tensor, relu } = bundle;
      const product = tensor(a, [96, 80]).matmul(tensor(b, [80, 72]));
      globalThis.result = {
        backend: getBackend().name,
        product: [...product.toArray()],
        relu: [...relu(tensor(x)).toArray()],
      };`,
      { atob, a, b, x },
    ) as { backend: string; product: number[]; relu: number[] };
    expect(result.backend).toBe('fast');
    expect(result.product).toEqual([
      ...tensor(a, [96, 80])
        .matmul(tensor(b, [80, 72]))
        .toArray(),
    ]);
    expect(result.relu).toEqual([...tensor(x).relu().toArray()]);
  });
});
