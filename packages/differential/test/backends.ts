/**
 * The backends under test: the two CPU backends of @thermograd/autograd and the gpu.js backend in
 * its best mode without a GPU (webasm, whose kernels compute in float32 as they do on a GPU; cpu
 * where gpu.js finds no WebAssembly SIMD), registered as 'gpu'.
 */
import { afterAll } from 'vitest';
import { registerBackend } from '@thermograd/autograd';
import '@thermograd/backend-wasm';
import { GpuBackend, webAssemblyAvailable } from '@thermograd/backend-gpujs';

export const gpu = new GpuBackend({ mode: webAssemblyAvailable() ? 'webasm' : 'cpu', name: 'gpu' });
registerBackend(gpu);
afterAll(() => gpu.destroy());

export const BACKENDS = ['reference', 'fast', 'gpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
