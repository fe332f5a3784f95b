/**
 * @thermograd/backend-gpujs: the thermograd Backend interface on gpu.js kernels, in float32.
 *
 *     const gpu = await createGpuBackend({ mode: 'auto' });
 *     console.log(gpu.choice.reason);          // which mode, and why
 *     const x = tensor([1, 2, 3], [3], { backend: 'gpu' });
 *     gpu.tidy(() => { ...one training step... });
 */
import { registerBackend } from '@thermograd/autograd';
import { GpuBackend } from './backend.js';
import { chooseMode, type ChooseOptions, type GpuModeRequest } from './mode.js';

export { GpuBackend, type GpuBackendOptions, type KernelCall } from './backend.js';
export {
  chooseMode,
  probeWebGpu,
  webAssemblyAvailable,
  WEBGPU_SYNC_LIMITATION,
  type ChooseOptions,
  type GpuModeRequest,
  type ModeChoice,
  type SyncGpuMode,
  type WebGpuProbe,
} from './mode.js';
export { GpuStorage } from './lifetime.js';
export { loopLimit, KernelCache, type GpuJsMode } from './kernel-cache.js';
export * as kernelSources from './kernel-sources.js';

export interface CreateGpuBackendOptions extends ChooseOptions {
  mode?: GpuModeRequest;
  /** Also make it the default backend for factories. */
  makeDefault?: boolean;
  /** Registry name; 'gpu' by default. */
  name?: string;
}

/**
 * Chooses the mode (see mode.ts: 'auto' and 'webgpu' probe for a WebGPU adapter, which is
 * asynchronous), builds the backend and registers it under 'gpu'. `backend.choice.reason` says
 * which mode runs and why.
 */
export async function createGpuBackend(options: CreateGpuBackendOptions = {}): Promise<GpuBackend> {
  const choice = await chooseMode(options.mode ?? 'auto', options);
  const backend = new GpuBackend({ mode: choice.mode, choice, name: options.name });
  registerBackend(backend, { makeDefault: options.makeDefault });
  return backend;
}
