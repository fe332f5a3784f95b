/**
 * @thermograd/backend-wasm: the fast CPU backend of thermograd (WebAssembly SIMD kernels, a
 * GEMM spread over worker threads, recycled storage). Importing this package registers it with
 * @thermograd/autograd under the name 'fast' and makes it the default backend;
 * `setBackend('reference')` still selects the readable reference.
 */
import { registerBackend } from '@thermograd/autograd';
import { fastBackend } from './fast-backend.js';

registerBackend(fastBackend, { makeDefault: true });

export { fastBackend } from './fast-backend.js';
export { wasmBackendReady } from './threads.js';
export {
  bufferPoolStats,
  resetBufferPool,
  residentStorage,
  type BufferPoolStats,
} from './buffer-pool.js';
export { wasmMemoryStats } from './wasm-memory.js';
