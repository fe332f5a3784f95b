/**
 * The worker half of the bridge (bridge.ts has the main-thread half and the protocol).
 *
 * `workerMain` runs in a worker thread that owns a gpu.js GPU and every device buffer. It is
 * shipped as source text (`WORKER_SOURCE`, the function's own text, compiled from this file like
 * the kernels): Node 20 cannot run TypeScript in a worker, and text survives bundling for the GPU
 * machine. So the function must be self-contained: no imports, no references to module scope;
 * it gets `require` as a parameter (a bundler rewrites a free `require` inside the text).
 *
 * Requests arrive in order on a MessagePort and run one after another (a promise chain: a webgpu
 * kernel's first call awaits its build, a read awaits the mapping of a staging buffer). Launches,
 * uploads and frees need no answer; a failure among them is held and reported at the next
 * synchronous request (read, stats, sync), and the requests after it are skipped until then, so
 * that one failure does not cascade into "missing buffer" errors. A synchronous request is answered
 * on the port and then signalled through the shared control word (Atomics.store + Atomics.notify),
 * on which the main thread is blocked in Atomics.wait.
 */

import type { BridgedMode } from './kernel-cache.js';

/** What the main thread passes as workerData (the port is transferred). */
export interface WorkerInit {
  mode: BridgedMode;
  gpuJsPath: string;
  /** A file URL of the `webgpu` package's entry; only for mode webgpu. */
  webgpuUrl: string | null;
  /** vulkan-loader.ts's answer, asked on the main thread: 'missing' means Dawn is not loaded. */
  vulkanLoader: 'found' | 'missing' | 'unknown';
  helpers: string[];
  kernels: Record<string, string>;
  /** KERNEL_SETTINGS (kernel-cache.ts), which this self-contained text cannot import. */
  settings: Record<string, unknown>;
  /** loopLimit(1): the copy kernel's (it has no loop). */
  copyLimit: number;
  /** Int32Array view: [0] = sequence number of the last answered synchronous request. */
  control: SharedArrayBuffer;
  port: unknown;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- gpu.js objects, untyped on this side */
export function workerMain(init: WorkerInit, requireModule: (id: string) => any): void {
  const control = new Int32Array(init.control);
  const port = init.port as {
    postMessage(m: unknown): void;
    on(e: 'message', f: (m: any) => void): void;
  };
  // A WGSL kernel compiles in tens of milliseconds; JS/wasm ones faster. Cache per (kernel, limit).
  const kernels = new Map<string, any>();
  const buffers = new Map<number, any>();
  const webgpu = init.mode === 'webgpu';
  let gpu: any = null;
  let gpuJs: any = null;
  let failure: string | null = null;
  let chain: Promise<void> = Promise.resolve();

  const message = (e: unknown): string => {
    if (e instanceof Error) return (e.message || String(e)).split('\n').slice(0, 4).join(' | ');
    return String(e);
  };

  function answer(seq: number, reply: Record<string, unknown>): void {
    port.postMessage({ seq, ...reply });
    Atomics.store(control, 0, seq);
    Atomics.notify(control, 0);
  }

  /** The compiled kernel `name` whose loops may run `limit` (a loopLimit) times, output set to `size`. */
  function kernel(name: string, limit: number, size: number): any {
    const key = `${name}|${limit}`;
    let k = kernels.get(key);
    if (!k) {
      const source = init.kernels[name];
      if (source === undefined) throw new Error(`unknown kernel '${name}'`);
      // gpu.js compiles the function's text; rebuilding the function from that text is exact.
      const fn = new Function(`return (${source});`)();
      // gpu.js ends loops silently at loopMaxIterations (default 1000): set from the real bound.
      const settings: Record<string, unknown> = {
        ...init.settings,
        output: [size],
        loopMaxIterations: limit,
      };
      // On the GPU, outputs stay there as buffer handles; immutable gives each call its own buffer
      // (otherwise the next call of the same kernel would overwrite this one's output).
      if (webgpu) Object.assign(settings, { pipeline: true, immutable: true });
      k = gpu.createKernel(fn, settings);
      kernels.set(key, k);
    }
    k.setOutput([size]);
    return k;
  }

  async function upload(values: Float32Array): Promise<any> {
    if (!webgpu || values.length === 0) return values;
    return kernel('copyKernel', init.copyLimit, values.length)(values);
  }

  function release(id: number): void {
    const b = buffers.get(id);
    buffers.delete(id);
    if (b && typeof b.delete === 'function') b.delete();
  }

  function bufferOf(id: number): any {
    const b = buffers.get(id);
    if (b === undefined)
      throw new Error(
        `buffer #${id} does not exist in the worker (freed, or made by a kernel that failed)`,
      );
    return b;
  }

  async function handle(m: any): Promise<void> {
    switch (m.t) {
      case 'upload':
      case 'zeros':
      case 'write':
      case 'copy':
      case 'launch': {
        if (failure !== null) return; // skipped until the failure is reported
        try {
          if (m.t === 'launch') {
            const args = m.args.map((a: any) =>
              a !== null && typeof a === 'object' && 'buf' in a ? bufferOf(a.buf) : a,
            );
            const out = await kernel(m.kernel, m.limit, m.size)(...args);
            if (
              webgpu
                ? out === null || typeof out !== 'object'
                : !(out instanceof Float32Array) || out.length !== m.size
            ) {
              throw new Error(
                `gpu.js returned ${out === null || typeof out !== 'object' ? String(out) : `${out.constructor?.name} of ${out.length}`} for ${m.size} outputs`,
              );
            }
            buffers.set(m.id, out);
          } else if (m.t === 'copy') {
            const source = bufferOf(m.from);
            const copied =
              source instanceof Float32Array
                ? source.slice()
                : await kernel('copyKernel', init.copyLimit, m.size)(source);
            release(m.id);
            buffers.set(m.id, copied);
          } else {
            const values = m.t === 'zeros' ? new Float32Array(m.size) : (m.values as Float32Array);
            if (m.t === 'write') release(m.id);
            buffers.set(m.id, await upload(values));
          }
        } catch (e) {
          failure = `${m.op ?? m.t} (request #${m.n}) failed in the worker: ${message(e)}`;
        }
        return;
      }
      case 'free':
        release(m.id);
        return;
      default:
        break;
    }
    // Synchronous requests: always answered. A read brings the shared read-back area when it grew.
    if (m.data) (init as any).data = m.data;
    if (failure !== null) {
      const error = failure;
      failure = null;
      answer(m.seq, { ok: false, error });
      return;
    }
    try {
      if (m.t === 'read') {
        const b = bufferOf(m.id);
        const values: Float32Array = b instanceof Float32Array ? b : await b.toArray();
        if (values.length !== m.size)
          throw new Error(`buffer #${m.id} holds ${values.length} values, expected ${m.size}`);
        const data = (init as any).data as SharedArrayBuffer;
        new Float32Array(data, 0, values.length).set(values);
        answer(m.seq, { ok: true });
      } else if (m.t === 'stats') {
        const modes = new Set<string>();
        for (const k of kernels.values())
          if (k.kernel?.constructor?.mode) modes.add(k.kernel.constructor.mode);
        answer(m.seq, {
          ok: true,
          compiled: kernels.size,
          modes: [...modes],
          buffers: buffers.size,
        });
      } else if (m.t === 'sleep') {
        // Tests: a worker that does not answer in time.
        await new Promise((r) => setTimeout(r, m.ms));
        answer(m.seq, { ok: true });
      } else if (m.t === 'destroy') {
        for (const id of [...buffers.keys()]) release(id);
        for (const k of kernels.values()) k.destroy();
        kernels.clear();
        if (webgpu) {
          // Destroy the device and let its lost-promise settle before answering: while Dawn has an
          // operation pending (the device's lost-promise is one), it polls with setImmediate, and a
          // worker terminated during that poll aborts the whole process (measured with lavapipe).
          await gpuJs.WebGPUContext.destroy();
          for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 1));
          delete (globalThis as any).navigator; // Dawn keeps a thread alive while it is reachable
        }
        answer(m.seq, { ok: true });
      } else {
        answer(m.seq, { ok: true }); // 'sync': everything before it has run
      }
    } catch (e) {
      answer(m.seq, { ok: false, error: `${m.t} failed in the worker: ${message(e)}` });
    }
  }

  async function start(): Promise<void> {
    gpuJs = requireModule(init.gpuJsPath);
    if (webgpu) {
      if (!init.webgpuUrl) throw new Error('mode webgpu needs the webgpu package');
      // Dawn would find no adapter and only print warnings from native code.
      if (init.vulkanLoader === 'missing')
        throw new Error(
          'no Vulkan loader (libvulkan.so.1): Dawn would find no adapter (not loaded)',
        );
      // Dawn's globals and navigator.gpu before new GPU({ mode: 'webgpu' }) (device/README.md).
      // Not a literal import(): vitest rewrites those in the source this text comes from.
      const load = new Function('url', 'return import(url);') as (url: string) => Promise<any>;
      const { create, globals } = await load(init.webgpuUrl);
      Object.assign(globalThis, globals);
      Object.defineProperty(globalThis, 'navigator', {
        value: { gpu: create([]) },
        configurable: true,
        writable: true,
      });
      const adapter = await (globalThis as any).navigator.gpu.requestAdapter();
      if (!adapter) throw new Error('webgpu loaded in the worker, but Dawn found no adapter');
    }
    gpu = new gpuJs.GPU({ mode: init.mode });
    for (const h of init.helpers) gpu.addFunction(new Function(`return (${h});`)());
  }

  // Anything that escapes the handlers still reaches the main thread, which is blocked waiting.
  const fatal = (e: unknown): void => {
    port.postMessage({ seq: -1, ok: false, error: `the worker failed: ${message(e)}` });
    Atomics.store(control, 1, 1);
    Atomics.store(control, 0, -1); // wakes a waiter even if it started waiting after the notify
    Atomics.notify(control, 0);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  port.on('message', (m: any) => {
    chain = chain.then(() => handle(m)).catch(fatal);
  });
  chain = start().then(
    () => answer(0, { ok: true }),
    (e) =>
      answer(0, {
        ok: false,
        error: `the worker could not start gpu.js in mode ${init.mode}: ${message(e)}`,
      }),
  );
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * The worker script. `__name` is defined because a transpiler that keeps function names (esbuild's
 * keepNames) may call it inside the function's text.
 */
export const WORKER_SOURCE =
  `'use strict';\nvar __name = (f) => f;\nconst { workerData } = require('node:worker_threads');\n` +
  `(${workerMain.toString()})(workerData, require);\n`;
