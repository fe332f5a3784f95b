/**
 * Choosing the compute backend for a run. 'reference' and 'fast' are always registered; 'gpu' is
 * created on demand from @thermograd/backend-gpujs (gpu.js: WebGPU on a real GPU, WebAssembly or
 * plain JS without one), which reports the mode it chose and why.
 */
import { listBackends } from '@thermograd/autograd';
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
