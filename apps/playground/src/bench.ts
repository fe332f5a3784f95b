/**
 * Examples per second of the bench's config b (784-256-256-10 MLP, B 128, plain SGD, the loss read
 * back every step) in this page: thermograd on the chosen backend, or TensorFlow.js on its wasm or
 * webgl backend, with the bench's own step code (apps/bench) on the same random data.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { getBackend } from '@thermograd/autograd';
import { randomBatches, stepsPerSecond, tfjsMlp, thermogradMlp } from '@thermograd/bench/browser';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { useBackend } from './backends.js';
import type { BackendChoice, FromWorker } from './protocol.js';

const SIZES = [784, 256, 256, 10];
const BATCH = 128;
const LR = 0.1;

export async function runBench(
  backend: BackendChoice | 'tfjs-wasm' | 'tfjs-webgl',
  seconds: number,
): Promise<FromWorker> {
  const batches = randomBatches(4, BATCH);
  let step: () => number;
  let note: string;
  if (backend === 'tfjs-wasm' || backend === 'tfjs-webgl') {
    if (backend === 'tfjs-wasm') {
      setWasmPaths({
        'tfjs-backend-wasm.wasm': wasmPlain,
        'tfjs-backend-wasm-simd.wasm': wasmSimd,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
      });
    }
    // tfjs-backend-wasm's threaded build starts its threads from an inlined script that breaks
    // once bundled ("e is not defined"): its SIMD build runs on one thread instead.
    if (backend === 'tfjs-wasm') tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const name = backend === 'tfjs-wasm' ? 'wasm' : 'webgl';
    if (!(await tf.setBackend(name))) throw new Error(`TensorFlow.js ${name} is unavailable here`);
    await tf.ready();
    step = tfjsMlp(SIZES, LR, batches);
    note = `TensorFlow.js ${name}${name === 'wasm' ? ' (SIMD, one thread)' : ''}`;
  } else {
    note = await useBackend(backend);
    step = thermogradMlp(getBackend().name, SIZES, LR, batches);
  }
  // Warm-up: compile kernels, grow buffer pools.
  for (let i = 0; i < 3; i++) step();
  const rate = await stepsPerSecond(step, seconds, 3);
  return { type: 'bench', backend, examplesPerSec: rate * BATCH, note };
}
