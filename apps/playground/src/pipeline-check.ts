/**
 * Checks of the gpu.js WebGL modes' pipeline (packages/backend-gpujs/src/texture-device.ts) that
 * only a browser can run: kernel outputs stay textures on the GPU, and
 * - a texture that a live tensor holds is not overwritten by the same kernel's next call;
 * - a read after a write sees the written values (nothing stale is cached);
 * - a training step inside tidy (the bench's MLP step) leaves no GL texture and no storage behind;
 * - an output beyond the backend's element limit (2^24, or less where MAX_TEXTURE_SIZE is small)
 *   throws naming the limit.
 * conformance.ts runs these after the conformance table; the e2e run reads the failures.
 */
import { exp, matmul, registerBackend, tensor, tidy, withBackend } from '@thermograd/autograd';
import { GpuBackend } from '@thermograd/backend-gpujs';
import { randomBatches, thermogradMlp } from '@thermograd/bench/browser';

type Context = WebGLRenderingContext | WebGL2RenderingContext;

/**
 * Counts the GL textures alive in this page, over every WebGL and WebGL2 context: call before any
 * context makes one.
 */
export function countGlTextures(): () => number {
  const live = new Set<WebGLTexture>();
  for (const proto of [WebGLRenderingContext.prototype, WebGL2RenderingContext.prototype]) {
    const create = proto.createTexture as (this: Context) => WebGLTexture | null;
    const remove = proto.deleteTexture as (this: Context, t: WebGLTexture | null) => void;
    Object.assign(proto, {
      createTexture(this: Context) {
        const t = create.call(this);
        if (t) live.add(t);
        return t;
      },
      deleteTexture(this: Context, t: WebGLTexture | null) {
        if (t) live.delete(t);
        remove.call(this, t);
      },
    });
  }
  return () => live.size;
}

const close = (got: ArrayLike<number>, want: readonly number[]): boolean =>
  got.length === want.length &&
  want.every((w, i) => Math.abs(got[i] - w) <= 1e-6 * Math.max(1, Math.abs(w)));

export interface PipelineReport {
  failures: string[];
  /** GL textures alive after each of the training steps after the warm-up. */
  textures: number[];
  /** The backend's live storage (liveBuffers) after each of those steps. */
  storage: number[];
  maxElements: number;
}

export function checkPipeline(mode: 'webgl' | 'webgl2', glTextures: () => number): PipelineReport {
  const failures: string[] = [];
  const gpu = new GpuBackend({ mode, bridge: false, name: `gpu-${mode}-pipeline` });
  registerBackend(gpu);
  const name = gpu.name;
  const on = <T>(fn: () => T): T => withBackend(name, () => tidy(fn));

  on(() => {
    const xs = [0, 0.5, 1, 2];
    const a = exp(tensor(xs, [4]));
    const b = exp(tensor([3, 4, 5, 6], [4]));
    b.dataSync();
    if (!close(a.dataSync(), xs.map(Math.exp)))
      failures.push(`exp's output changed when exp ran again: ${[...a.dataSync()].join(', ')}`);
  });
  on(() => {
    const t = tensor([1, 2, 3], [3]);
    t.dataSync();
    t.assign([7, 8, 9]);
    if (!close(t.dataSync(), [7, 8, 9]))
      failures.push(`a read after a write gave ${[...t.dataSync()].join(', ')}, not 7, 8, 9`);
  });
  on(() => {
    const n = Math.ceil(Math.sqrt(gpu.maxElements + 1));
    try {
      matmul(tensor(new Float32Array(n), [n, 1]), tensor(new Float32Array(n), [1, n]));
      failures.push(`a matmul of ${n * n} > ${gpu.maxElements} elements did not throw`);
    } catch (err) {
      const message = String((err as Error).message);
      if (!/^gpu-\w+-pipeline backend: matmul of \d+ elements; /.test(message))
        failures.push(`a matmul beyond the element limit threw ${message}`);
    }
  });

  // The same steps on the reference backend: the losses must follow (float32 both; they part by
  // rounding only), so that a texture read after it was reused shows.
  const batches = randomBatches(2, 16, 100, 10);
  const step = thermogradMlp(name, [100, 50, 10], 0.1, batches);
  const reference = thermogradMlp('reference', [100, 50, 10], 0.1, batches);
  const follow = (i: number): void => {
    const got = step();
    const want = reference();
    if (!(Math.abs(got - want) <= 1e-4 * Math.abs(want)))
      failures.push(`training step ${i}: loss ${got}, the reference backend's ${want}`);
  };
  // Warm-up: the kernels compile and make their own output textures.
  follow(1);
  follow(2);
  const textures: number[] = [];
  const storage: number[] = [];
  for (let i = 0; i < 4; i++) {
    follow(i + 3);
    textures.push(glTextures());
    storage.push(gpu.liveBuffers());
  }
  if (new Set(textures).size !== 1)
    failures.push(`GL textures alive grew over tidy training steps: ${textures.join(', ')}`);
  if (new Set(storage).size !== 1)
    failures.push(`storage alive grew over tidy training steps: ${storage.join(', ')}`);
  return { failures, textures, storage, maxElements: gpu.maxElements };
}
