/**
 * Choosing the compute backend for a run. 'reference' and 'fast' are always registered; 'gpu' is
 * created on demand from @thermograd/backend-gpujs (gpu.js: WebGPU on a real GPU, WebAssembly or
 * plain JS without one), which reports the mode it chose and why.
 */
import { getBackend, listBackends, tidy } from '@thermograd/autograd';
import '@thermograd/backend-wasm';

export const GPU_MODES = ['auto', 'webgpu', 'webasm', 'cpu'] as const;
export type GpuMode = (typeof GPU_MODES)[number];

export async function prepareBackend(
  name: string,
  gpuMode: GpuMode,
  log: (line: string) => void,
): Promise<void> {
  if (name === 'gpu' && !listBackends().includes('gpu')) {
    const { createGpuBackend } = await import('@thermograd/backend-gpujs');
    const backend = await createGpuBackend({ mode: gpuMode });
    log(`gpu backend: mode ${backend.choice.mode} (${backend.choice.reason})`);
  }
  if (!listBackends().includes(name)) {
    throw new Error(
      `--backend: unknown backend '${name}'; available: ${[...new Set([...listBackends(), 'gpu'])].join(', ')}`,
    );
  }
}

/**
 * Runs one step's work inside autograd's `tidy` (every tensor the step created that its result
 * does not reach is disposed; the fast backend reuses their buffers in the next step, so a step
 * allocates nothing new after the first), and inside the backend's own memory scope where it has
 * one (the gpu backend's tidy also releases raw buffers its kernels made).
 */
export function scoped<T>(fn: () => T): T {
  const backend = getBackend() as { tidy?: <R>(f: () => R) => R };
  return tidy(() => (typeof backend.tidy === 'function' ? backend.tidy(fn) : fn()));
}
