/**
 * Which gpu.js mode runs the kernels, and why. Chosen explicitly or detected, never silently:
 * the result names the mode and the reason, which the demo and the bench print.
 *
 * - `webgpu`: WGSL compute shaders through Dawn (the `webgpu` npm package, 0.3.8). Needs an
 *   adapter; on a machine without a GPU (Debian 12 with Mesa's lavapipe, where CI runs) the
 *   package loads but Dawn finds none. Runs behind the bridge (bridge.ts): gpu.js in a worker
 *   thread, because its webgpu kernels return Promises.
 * - `webasm`: WebAssembly SIMD on the CPU (single-threaded under gpu.js's synchronous contract).
 * - `cpu`: gpu.js's JavaScript translation, the last fallback.
 *
 * gpu.js's own auto-selection prefers headless-gl, which thermograd deliberately leaves unbuilt, and
 * never picks webgpu; so this module decides itself.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { GPU } from 'gpu.js';
import { DAWN_TAKEN, dawnReleased, holdDawn } from './bridge.js';
import type { GpuJsMode } from './kernel-cache.js';
import { VULKAN_LOADER, vulkanLoaderOnThisMachine } from './vulkan-loader.js';

export type GpuModeRequest = 'cpu' | 'webasm' | 'webgpu' | 'auto';
/** The modes whose gpu.js kernels return values synchronously (they can run in process). */
export type SyncGpuMode = 'cpu' | 'webasm';

export interface WebGpuProbe {
  available: boolean;
  /** What was found: the adapter's description, or why there is none. */
  detail: string;
}

export interface ModeChoice {
  /** What was asked for: chooseMode's request, or a mode given to GpuBackend directly (webgl, webgl2). */
  requested: GpuModeRequest | GpuJsMode;
  mode: GpuJsMode;
  /** True when the kernels run in a worker thread behind the synchronous bridge (always for webgpu). */
  bridged: boolean;
  /** One sentence: why this mode, and what was tried before it. */
  reason: string;
  /** The webgpu probe, when one was made (modes 'webgpu' and 'auto'). */
  webgpu?: WebGpuProbe;
}

/**
 * The probe, as the source of a worker (the main thread never loads Dawn: see bridge.ts). It posts
 * one WebGpuProbe. Not a literal import(): vitest rewrites those, even in text that becomes code.
 */
const PROBE_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const load = new Function('url', 'return import(url);');
const message = (e) => String((e && e.message) || e).split('\\n')[0];
(async () => {
  let mod;
  try {
    mod = await load(workerData.url);
  } catch (e) {
    return { available: false, detail: 'the webgpu package (Dawn for Node) did not load: ' + message(e) };
  }
  try {
    const adapter = await mod.create([]).requestAdapter();
    if (!adapter) return { available: false, detail: workerData.noAdapter };
    const info = adapter.info || {};
    const name = [info.vendor, info.architecture, info.description].filter((s) => s).join(' ') || 'unnamed adapter';
    return { available: true, detail: 'adapter: ' + name };
  } catch (e) {
    return { available: false, detail: 'requesting a WebGPU adapter failed: ' + message(e) };
  }
})().then((probe) => parentPort.postMessage(probe));
`;

const NO_ADAPTER =
  'webgpu loaded, but Dawn found no adapter (no GPU, or no Vulkan driver: on Debian 12 without a GPU, ' +
  "Mesa 22's lavapipe lacks a feature Dawn requires; on an NVIDIA machine, see the README's recipe)";

/**
 * Asks Dawn for an adapter, in a short-lived worker thread that is gone when this resolves, so the
 * bridge worker can load Dawn next. Loads the optional `webgpu` package only there: the cpu and
 * webasm modes never load native code.
 */
export function probeWebGpu(): Promise<WebGpuProbe> {
  // Concurrent callers share one probe: two probe workers at once would be two threads in Dawn.
  probeInFlight ??= probeInWorker().finally(() => {
    probeInFlight = null;
  });
  return probeInFlight;
}

let probeInFlight: Promise<WebGpuProbe> | null = null;

async function probeInWorker(): Promise<WebGpuProbe> {
  // Without the Vulkan loader Dawn finds no adapter and only prints warnings: do not load it.
  if (vulkanLoaderOnThisMachine() === 'missing') {
    return {
      available: false,
      detail: `no Vulkan loader (${VULKAN_LOADER}) on this machine, so Dawn can find no adapter (not loaded)`,
    };
  }
  if (!(await dawnReleased())) return { available: false, detail: DAWN_TAKEN };
  let url: string;
  try {
    url = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch (e) {
    return {
      available: false,
      detail: `the webgpu package (Dawn for Node) is not installed: ${(e as Error).message.split('\n')[0]}`,
    };
  }
  const worker = new Worker(PROBE_SOURCE, {
    eval: true,
    workerData: { url, noAdapter: NO_ADAPTER },
  });
  holdDawn(worker);
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  const probe = await new Promise<WebGpuProbe>((resolve) => {
    worker.once('message', resolve);
    worker.once('error', (e) =>
      resolve({ available: false, detail: `the webgpu probe failed: ${e.message}` }),
    );
    void exited.then((code) =>
      resolve({
        available: false,
        detail: `the webgpu probe's worker exited (code ${code}) without an answer`,
      }),
    );
  });
  await worker.terminate();
  await exited;
  return probe;
}

/** True when gpu.js can build WebAssembly kernels here (it needs WebAssembly with SIMD). */
export function webAssemblyAvailable(): boolean {
  return GPU.isWebAssemblySupported;
}

/**
 * Why webgpu runs behind the bridge: said in every reason that chooses webgpu.
 */
export const WEBGPU_BRIDGE_REASON =
  "gpu.js's webgpu kernels return Promises and thermograd's Backend interface is synchronous, so gpu.js " +
  'runs in a worker thread that awaits them while this thread blocks on Atomics.wait (buffers stay on the GPU)';

export interface ChooseOptions {
  /** Throw instead of falling back when the requested mode cannot run. */
  strict?: boolean;
  /**
   * Run cpu/webasm kernels in a worker thread too (the webgpu path, testable without a GPU).
   * webgpu always uses the bridge.
   */
  bridge?: boolean;
  /** For tests: a stand-in for the adapter probe and the WebAssembly check. */
  probe?: () => Promise<WebGpuProbe>;
  wasm?: () => boolean;
}

export async function chooseMode(
  requested: GpuModeRequest,
  options: ChooseOptions = {},
): Promise<ModeChoice> {
  const wasm = (options.wasm ?? webAssemblyAvailable)();
  const bridged = options.bridge === true;
  const inWorker = bridged ? ' (kernels in a worker thread, as requested)' : '';
  const fallback: SyncGpuMode = wasm ? 'webasm' : 'cpu';
  const fallbackWhy = wasm
    ? 'WebAssembly SIMD is available'
    : 'WebAssembly SIMD is not available here';
  switch (requested) {
    case 'cpu':
      return { requested, mode: 'cpu', bridged, reason: `mode cpu was requested${inWorker}` };
    case 'webasm':
      if (wasm)
        return {
          requested,
          mode: 'webasm',
          bridged,
          reason: `mode webasm was requested${inWorker}`,
        };
      if (options.strict)
        throw new Error(
          'gpu backend: mode webasm was requested, but WebAssembly SIMD is not available here',
        );
      return {
        requested,
        mode: 'cpu',
        bridged,
        reason: `mode webasm was requested, but WebAssembly SIMD is not available here: using cpu${inWorker}`,
      };
    case 'webgpu':
    case 'auto': {
      const webgpu = await (options.probe ?? probeWebGpu)();
      const asked = requested === 'auto' ? 'auto' : 'mode webgpu was requested';
      if (webgpu.available) {
        return {
          requested,
          mode: 'webgpu',
          bridged: true,
          reason: `${asked}: webgpu ${webgpu.detail}; ${WEBGPU_BRIDGE_REASON}`,
          webgpu,
        };
      }
      const why = `no webgpu: ${webgpu.detail}`;
      if (requested === 'webgpu' && options.strict)
        throw new Error(`gpu backend: mode webgpu was requested: ${why}`);
      return {
        requested,
        mode: fallback,
        bridged,
        reason: `${asked}: ${why}; using ${fallback} (${fallbackWhy})${inWorker}`,
        webgpu,
      };
    }
    default:
      throw new TypeError(
        `gpu backend: unknown mode ${JSON.stringify(requested)}; expected 'cpu', 'webasm', 'webgpu' or 'auto'`,
      );
  }
}
