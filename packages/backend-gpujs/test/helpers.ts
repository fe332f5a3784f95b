import { afterAll, expect } from 'vitest';
import { Generator } from '@thermograd/autograd';
import {
  GpuBackend,
  webAssemblyAvailable,
  type GpuJsMode,
  type SyncGpuMode,
} from '../src/index.js';

/** The modes this machine can test, and why one is skipped. */
export const WASM = webAssemblyAvailable();
export const MODES: SyncGpuMode[] = WASM ? ['cpu', 'webasm'] : ['cpu'];
if (!WASM)
  console.warn(
    'backend-gpujs tests: webasm skipped: gpu.js reports no WebAssembly SIMD support on this machine',
  );

/** A way to run the kernels: a gpu.js mode, in this thread or behind the worker bridge. */
export interface Config {
  label: string;
  mode: GpuJsMode;
  bridge: boolean;
}

/**
 * THERMOGRAD_TEST_WEBGPU=1 (set by `pnpm test:webgpu`, which provides a software adapter, or on a
 * GPU machine) runs the kernel and training suites in webgpu instead: gpu.js's WGSL kernels behind
 * the bridge. Without an adapter the backend then fails to start, and the tests fail, saying so.
 */
export const WEBGPU = process.env.THERMOGRAD_TEST_WEBGPU === '1';

/**
 * Each in-process mode, and the best of them behind the bridge: the path webgpu takes on a GPU
 * (gpu.js in a worker thread, buffers there, this thread blocked on Atomics.wait).
 */
export const CONFIGS: Config[] = WEBGPU
  ? [{ label: 'webgpu bridged', mode: 'webgpu', bridge: true }]
  : [
      ...MODES.map((mode) => ({ label: mode, mode, bridge: false })),
      { label: `${MODES.at(-1)} bridged`, mode: MODES.at(-1)!, bridge: true },
    ];

const backends = new Map<string, GpuBackend>();
/** One backend per configuration for a whole test file, so kernels compile once. */
export function backendFor(config: Config | SyncGpuMode): GpuBackend {
  const c = typeof config === 'string' ? { label: config, mode: config, bridge: false } : config;
  let b = backends.get(c.label);
  if (!b)
    backends.set(
      c.label,
      (b = new GpuBackend({
        mode: c.mode,
        bridge: c.bridge,
        name: `gpu-test-${c.label.replace(' ', '-')}`,
      })),
    );
  return b;
}

// A bridged worker is stopped before the test process ends; for webgpu this destroys the device
// first (a worker killed while Dawn polls aborts the process).
afterAll(() => {
  for (const b of backends.values()) b.destroy();
  backends.clear();
});

/** Seeded float32 values in [lo, hi). */
export function rand32(size: number, seed: number, lo = -1, hi = 1): Float32Array {
  const g = new Generator(seed);
  return Float32Array.from({ length: size }, () => lo + (hi - lo) * g.uniform());
}

/**
 * The gpu.js suites' documented tolerance, through the one matcher (test-support/matchers.ts):
 * |got − ref| <= atol + rtol·|ref| with rtol 1e-4 and atol = rtol · atolScale · max|ref| (atolScale
 * 0.1): relative error is meaningless for entries that cancel to near zero (a sum of ±terms), so
 * those are held to the output's scale. NaN must match NaN and ±∞ must match exactly.
 */
export function gpuTolerance(
  ref: ArrayLike<number>,
  rtol = 1e-4,
  atolScale = 0.1,
): { rtol: number; atol: number } {
  let scale = 0;
  for (let i = 0; i < ref.length; i++)
    if (Number.isFinite(ref[i])) scale = Math.max(scale, Math.abs(ref[i]));
  return { rtol, atol: rtol * scale * atolScale };
}

/** expect(got, what).toBeAllClose(ref, gpuTolerance(ref, rtol, atolScale)). */
export function expectGpuClose(
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  what: string,
  rtol = 1e-4,
  atolScale = 0.1,
): void {
  expect(got, what).toBeAllClose(ref, gpuTolerance(ref, rtol, atolScale));
}
