/**
 * Choosing where the worker's tensors live. 'wasm' is thermograd's WebAssembly SIMD backend
 * (threads need a cross-origin-isolated page, where SharedArrayBuffer exists); 'reference' is the
 * plain TypeScript one; 'webgl2' and 'webgl' run @thermograd/backend-gpujs with gpu.js in that
 * browser mode. Each answers with a sentence for the page, or throws saying why it cannot run here.
 */
import {
  crossEntropy,
  listBackends,
  matmul,
  registerBackend,
  setBackend,
  tensor,
  tidy,
  withBackend,
} from '@thermograd/autograd';
// Registers the WebAssembly backend as 'fast' (the demo's and the bench's modules import it too).
import { wasmBackendReady } from '@thermograd/backend-wasm';
import type { BackendChoice } from './protocol.js';

export async function useBackend(choice: BackendChoice): Promise<string> {
  switch (choice) {
    case 'reference':
      setBackend('reference');
      return 'reference backend (plain TypeScript, float32)';
    case 'wasm':
      return useWasm();
    case 'webgl2':
    case 'webgl':
      return useGpuJs(choice);
  }
}

/** Whether the WebAssembly backend's threads were made here. */
let wasmReady = false;

async function useWasm(): Promise<string> {
  if (typeof WebAssembly !== 'object') throw new Error('this browser has no WebAssembly');
  if (!wasmReady) {
    wasmReady = true;
    // The workers a Web Worker starts load through its event loop, so they could not start while
    // a large matmul blocks on them: wait here, yielding, until they have.
    await wasmBackendReady();
  }
  setBackend('fast');
  const threads = globalThis.crossOriginIsolated
    ? `GEMM on up to ${Math.min(4, navigator.hardwareConcurrency)} threads (cross-origin isolated)`
    : 'one thread: the page is not cross-origin isolated, so there is no SharedArrayBuffer';
  return `WebAssembly SIMD backend; ${threads}`;
}

/** Why a gpu.js mode failed its probe in this worker (it stays registered, unused). */
const gpuFailures = new Map<string, Error>();

async function useGpuJs(mode: 'webgl' | 'webgl2'): Promise<string> {
  const name = `gpu-${mode}`;
  const failed = gpuFailures.get(name);
  if (failed) throw failed;
  if (!listBackends().includes(name)) {
    const { GPU } = await import('gpu.js');
    const supported = mode === 'webgl2' ? GPU.isWebGL2Supported : GPU.isWebGLSupported;
    if (!supported)
      throw new Error(
        `gpu.js ${mode} is unavailable: ${GPU.isOffscreenCanvasSupported ? `this browser gives a worker no ${mode} context` : 'this browser has no OffscreenCanvas for WebGL in a worker'}`,
      );
    const { GpuBackend } = await import('@thermograd/backend-gpujs');
    // gpu.js's browser build runs webgl/webgl2 kernels in process; the Node-only modes need the bridge.
    registerBackend(new GpuBackend({ mode, bridge: false, name }));
    try {
      withBackend(name, probeStep);
    } catch (err) {
      // One line (a shader compile error carries the whole GLSL log).
      const why = String((err as Error).message ?? err).split('\n')[0];
      const error = new Error(`gpu.js ${mode} cannot run thermograd's kernels here: ${why}`);
      gpuFailures.set(name, error);
      throw error;
    }
  }
  setBackend(name);
  return `gpu.js ${mode} (float32 textures, kernels compiled on first use)`;
}

/** A tiny training step (matmul, relu, cross-entropy, backward) that a backend must run before a real one. */
function probeStep(): void {
  tidy(() => {
    const w = tensor([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [3, 2], { requiresGrad: true });
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const loss = crossEntropy(matmul(x, w).relu(), [0, 1]);
    loss.backward();
    if (!Number.isFinite(loss.item())) throw new Error('the probe step gave a non-finite loss');
  });
}
