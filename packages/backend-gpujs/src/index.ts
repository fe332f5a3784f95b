/**
 * @thermograd/backend-gpujs: the thermograd Backend interface on gpu.js kernels, in float32.
 *
 *     const gpu = await createGpuBackend({ mode: 'auto' });
 *     console.log(gpu.choice.reason);          // which mode, and why
 *     const x = tensor([1, 2, 3], [3], { backend: 'gpu' });
 *     tidy(() => { ...one training step... }); // autograd's tidy releases the gpu buffers too
 */
import { registerBackend } from '@thermograd/autograd';
import { GpuBackend } from './backend.js';
import { dawnReleased } from './bridge.js';
import { chooseMode, type ChooseOptions, type GpuModeRequest } from './mode.js';

export { GpuBackend, type GpuBackendOptions } from './backend.js';
export { dawnReleased, WorkerDevice, type BridgeOptions } from './bridge.js';
export {
  InProcessDevice,
  RemoteBuffer,
  type Device,
  type DeviceArg,
  type DeviceBuffer,
  type KernelCall,
  type KernelFn,
} from './device.js';
export {
  chooseMode,
  probeWebGpu,
  webAssemblyAvailable,
  WEBGPU_BRIDGE_REASON,
  type ChooseOptions,
  type GpuModeRequest,
  type ModeChoice,
  type SyncGpuMode,
  type WebGpuProbe,
} from './mode.js';
export { GpuStorage } from './lifetime.js';
export {
  loopLimit,
  KernelCache,
  type BridgedMode,
  type GpuJsMode,
  type InProcessMode,
} from './kernel-cache.js';
export * as kernelSources from './kernel-sources.js';

export interface CreateGpuBackendOptions extends ChooseOptions {
  mode?: GpuModeRequest;
  /** Also make it the default backend for factories. */
  makeDefault?: boolean;
  /** Registry name; 'gpu' by default. */
  name?: string;
  /** Bridge only: how long to wait for the worker before reporting it hung (default 120 s). */
  timeoutMs?: number;
}

/**
 * Chooses the mode (see mode.ts: 'auto' and 'webgpu' probe for a WebGPU adapter, which is
 * asynchronous), builds the backend and registers it under 'gpu'. `backend.choice.reason` says
 * which mode runs and why.
 */
export async function createGpuBackend(options: CreateGpuBackendOptions = {}): Promise<GpuBackend> {
  const choice = await chooseMode(options.mode ?? 'auto', options);
  const common = { name: options.name, timeoutMs: options.timeoutMs };
  let backend: GpuBackend;
  // A webgpu backend destroyed just before this one may still be stopping its worker (Dawn serves
  // one thread at a time, see bridge.ts): wait for it to exit.
  if (choice.mode === 'webgpu') await dawnReleased();
  try {
    backend = new GpuBackend({ mode: choice.mode, bridge: choice.bridged, choice, ...common });
  } catch (e) {
    // The adapter answered the probe here, but the worker could not start webgpu: fall back, saying why.
    if (choice.mode !== 'webgpu' || options.strict) throw e;
    const fallback = await chooseMode('webasm', { ...options, bridge: false });
    const reason = `${choice.reason}; but the webgpu worker failed (${(e as Error).message}): ${fallback.reason.replace(/^mode webasm was requested/, 'using webasm')}`;
    backend = new GpuBackend({
      mode: fallback.mode,
      choice: { ...fallback, requested: choice.requested, reason, webgpu: choice.webgpu },
      ...common,
    });
  }
  registerBackend(backend, { makeDefault: options.makeDefault });
  return backend;
}
