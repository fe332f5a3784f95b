/**
 * The synchronous bridge: gpu.js and every buffer live in a worker thread, and this thread drives
 * them through the Device interface without ever awaiting.
 *
 * Why: gpu.js's webgpu kernels return Promises (a WebGPU read-back maps a buffer asynchronously),
 * while thermograd's Backend interface returns values synchronously. A worker can await those
 * Promises while this thread blocks in `Atomics.wait`, which is allowed on Node's main thread.
 *
 * Protocol (bridge-worker.ts has the other half):
 * - Requests go in order over a MessagePort. Uploads, kernel launches, writes and frees are posted
 *   without waiting: buffer ids are assigned here, so a launch can name the output of the launch
 *   before it, and the worker keeps the GPU busy while this thread records the next kernels.
 * - Synchronous requests (read, stats, sync) carry a sequence number. The worker answers on the
 *   port, stores the number in a shared Int32Array and notifies; this thread waits on that word,
 *   with a timeout, and takes the answer with `receiveMessageOnPort`.
 * - Read-backs are copied through a SharedArrayBuffer that grows to the largest read.
 * - A failure in a posted request is held by the worker and thrown here at the next synchronous
 *   request, naming the op; with `checkEachLaunch` every launch waits, so the error names its call.
 * - No answer within `timeoutMs` (a hung or dead worker): the bridge reports it, terminates the
 *   worker and refuses further work, rather than hanging.
 * - The worker is unref'd: it never keeps the process alive.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  MessageChannel,
  receiveMessageOnPort,
  Worker,
  type MessagePort,
} from 'node:worker_threads';
import { WORKER_SOURCE, type WorkerInit } from './bridge-worker.js';
import { vulkanLoaderOnThisMachine } from './vulkan-loader.js';
import {
  RemoteBuffer,
  type Device,
  type DeviceArg,
  type DeviceBuffer,
  type KernelFn,
} from './device.js';
import { KERNEL_SETTINGS, loopLimit, type BridgedMode } from './kernel-cache.js';
import * as K from './kernel-sources.js';

export interface BridgeOptions {
  mode: BridgedMode;
  /** How long to wait for any answer from the worker (default 120 s: first WGSL compiles are slow). */
  timeoutMs?: number;
  /** Wait for every launch (errors then surface at the failing call; slower). */
  checkEachLaunch?: boolean;
  /** For tests: extra kernel sources by name. */
  extraKernels?: Record<string, string>;
}

/** Atomics.waitAsync (Node 16 and later), absent from the ES2022 lib this repository compiles with. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      index: number,
      value: number,
      timeoutMs: number,
    ): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

interface Reply {
  seq: number;
  ok: boolean;
  error?: string;
  compiled?: number;
  modes?: string[];
  buffers?: number;
}

/**
 * Dawn's Node binding (webgpu 0.3.8) serves one thread at a time: measured with lavapipe, a second
 * thread that touches it while another still holds it aborts the whole process ("Entering the V8
 * API without proper locking in place"), which no try/catch can stop. So the main thread never
 * loads it (the probe in mode.ts runs in a short-lived worker), and at most one webgpu worker is
 * alive per process: this counts them, from construction to the worker's exit.
 */
const dawnHolders = new Map<Worker, { stopping: boolean; exited: Promise<void> }>();

/** True while a webgpu worker exists in this process (Dawn is then taken), stopping or not. */
export function webGpuWorkerAlive(): boolean {
  return dawnHolders.size > 0;
}

/** Marks Dawn as taken until `worker` exits. Used by the bridge and by the probe. */
export function holdDawn(worker: Worker): void {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  dawnHolders.set(worker, { stopping: false, exited });
  void exited.then(() => dawnHolders.delete(worker));
}

/**
 * Resolves once every webgpu worker that is being stopped (destroy(), a failed start) has exited,
 * so Dawn can be loaded again; false at once if a running backend still holds it.
 */
export async function dawnReleased(): Promise<boolean> {
  const holders = [...dawnHolders.values()];
  if (holders.some((h) => !h.stopping)) return false;
  await Promise.all(holders.map((h) => h.exited));
  return true;
}

/**
 * Webgpu bridges still running. A process that exits (returning from main, or process.exit) would
 * terminate their workers while Dawn polls (seen: an abort after the demo's last line, in about one
 * run of three on lavapipe), so an 'exit' hook destroys them first: the hook must be synchronous,
 * and destroy() is (it blocks on the worker's answer, and the worker still runs during 'exit').
 */
const liveWebGpuBridges = new Set<WorkerDevice>();
let exitHookInstalled = false;
function destroyWebGpuBridgesOnExit(): void {
  for (const device of [...liveWebGpuBridges]) {
    try {
      device.destroyWithin(5_000);
    } catch {
      // Exiting anyway: a hung or broken worker is terminated with the process.
    }
  }
}

/** The error for a second thread that would load Dawn while another holds it. */
export const DAWN_TAKEN =
  'a webgpu gpu backend already runs in this process, and Dawn (the webgpu package) serves one thread ' +
  'at a time (a second one aborts the process): destroy() the first and let its worker exit (await anything) first';

/** Kernel functions by identity → their export names (stable under bundling, unlike fn.name). */
const KERNEL_NAMES = new Map<unknown, string>();
const KERNEL_SOURCES: Record<string, string> = {};
for (const [name, value] of Object.entries(K)) {
  if (typeof value === 'function' && name.endsWith('Kernel')) {
    KERNEL_NAMES.set(value, name);
    KERNEL_SOURCES[name] = value.toString();
  }
}

export class WorkerDevice implements Device {
  readonly bridged = true;
  readonly mode: BridgedMode;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly control = new Int32Array(new SharedArrayBuffer(8));
  private data = new SharedArrayBuffer(4096);
  private dataSent = false;
  private timeoutMs: number;
  private readonly checkEachLaunch: boolean;
  private seq = 0;
  private requests = 0;
  /** Reads answered without blocking (readAsync), by request number. */
  private readonly pendingReads = new Map<
    number,
    { resolve: (r: Reply) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  /** Why the bridge no longer works (the worker hung, died or was destroyed), once it does not. */
  private broken: string | null = null;

  constructor(options: BridgeOptions) {
    this.mode = options.mode;
    if (options.mode === 'webgpu' && webGpuWorkerAlive())
      throw new Error(`gpu backend (webgpu): ${DAWN_TAKEN}`);
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.checkEachLaunch = options.checkEachLaunch ?? false;
    Atomics.store(this.control, 0, -2); // nothing answered yet (the start-up answer is request 0)
    const require = createRequire(import.meta.url);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const init: WorkerInit = {
      mode: options.mode,
      gpuJsPath: require.resolve('gpu.js'),
      webgpuUrl: options.mode === 'webgpu' ? pathToFileURL(require.resolve('webgpu')).href : null,
      vulkanLoader: options.mode === 'webgpu' ? vulkanLoaderOnThisMachine() : 'unknown',
      helpers: K.HELPERS.map((h) => h.toString()),
      kernels: { ...KERNEL_SOURCES, ...options.extraKernels },
      settings: KERNEL_SETTINGS,
      copyLimit: loopLimit(1),
      control: this.control.buffer as SharedArrayBuffer,
      port: port2,
    };
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: init,
      transferList: [port2],
    });
    if (options.mode === 'webgpu') {
      holdDawn(this.worker);
      liveWebGpuBridges.add(this);
      if (!exitHookInstalled) {
        process.on('exit', destroyWebGpuBridgesOnExit);
        exitHookInstalled = true;
      }
    }
    this.worker.unref();
    this.port.unref();
    // The answer to request 0 says whether gpu.js started (and, for webgpu, found an adapter).
    this.wait(0, 'starting the worker');
  }

  /** Buffers the worker holds (the test that tidy releases worker buffers reads it). */
  workerBuffers(): number {
    return this.stats().buffers ?? 0;
  }

  compiledKernels(): number {
    return this.stats().compiled ?? 0;
  }

  builtModes(): string[] {
    return this.stats().modes ?? [];
  }

  /** Waits until every request so far has run; throws a failure among them. */
  sync(): void {
    this.request({ t: 'sync' }, 'sync');
  }

  /** For tests: a request the worker answers only after `ms` milliseconds. */
  sleepInWorker(ms: number): void {
    this.request({ t: 'sleep', ms }, `sleep ${ms} ms`);
  }

  upload(values: Float32Array): RemoteBuffer {
    const id = this.nextId++;
    this.post({ t: 'upload', id, values, op: 'upload' });
    return new RemoteBuffer(id, values.length);
  }

  launch(
    op: string,
    fn: KernelFn,
    size: number,
    maxLoop: number,
    args: readonly DeviceArg[],
  ): RemoteBuffer {
    const kernel = KERNEL_NAMES.get(fn) ?? fn.name;
    const id = this.nextId++;
    const wire = args.map((a) => (a instanceof RemoteBuffer ? { buf: a.id } : a));
    this.post({ t: 'launch', id, kernel, size, limit: loopLimit(maxLoop), args: wire, op });
    if (this.checkEachLaunch) this.request({ t: 'sync' }, op);
    return new RemoteBuffer(id, size);
  }

  read(b: DeviceBuffer): Float32Array {
    const r = this.remote(b);
    let data: SharedArrayBuffer | undefined;
    if (r.size * 4 > this.data.byteLength || !this.dataSent) {
      if (r.size * 4 > this.data.byteLength)
        this.data = new SharedArrayBuffer(Math.max(r.size * 4, this.data.byteLength * 2));
      data = this.data;
      this.dataSent = true;
    }
    this.request({ t: 'read', id: r.id, size: r.size, data }, `read of buffer #${r.id}`);
    return new Float32Array(this.data, 0, r.size).slice();
  }

  /**
   * A read that does not block this thread: it brings its own shared area (so the next blocking
   * read re-sends the usual one), and its answer is taken by whichever comes first, the next
   * blocking request's wait or a wait on the control word with Atomics.waitAsync. The worker
   * answers in order, so the values are those of the buffer when this was called.
   */
  readAsync(b: DeviceBuffer): Promise<Float32Array> {
    const r = this.remote(b);
    this.alive();
    const area = new SharedArrayBuffer(Math.max(4, r.size * 4));
    this.dataSent = false;
    const seq = ++this.seq;
    const answered = new Promise<Reply>((resolve, reject) =>
      this.pendingReads.set(seq, { resolve, reject }),
    );
    this.port.postMessage({
      t: 'read',
      id: r.id,
      size: r.size,
      data: area,
      seq,
      n: ++this.requests,
    });
    if (this.pendingReads.size === 1) void this.collectReads();
    return answered.then(() => new Float32Array(area, 0, r.size).slice());
  }

  /** Settles readAsync's promises as their answers arrive, without blocking. */
  private async collectReads(): Promise<void> {
    const deadline = performance.now() + this.timeoutMs;
    while (this.pendingReads.size > 0) {
      const seen = Atomics.load(this.control, 0);
      // No blocking request is in flight here (those finish before any await resumes): every
      // message on the port answers a pending read.
      for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port))
        this.settleRead(m.message as Reply);
      if (this.pendingReads.size === 0) return;
      const left = deadline - performance.now();
      if (Atomics.load(this.control, 1) !== 0 || left <= 0 || this.broken !== null) {
        const why = this.broken ?? 'the worker failed or did not answer a read in time';
        for (const p of this.pendingReads.values())
          p.reject(new Error(`gpu backend (${this.mode} in a worker): ${why}`));
        this.pendingReads.clear();
        return;
      }
      const waited = waitAsync(this.control, 0, seen, Math.min(left, 50));
      if (waited.async) await waited.value;
      else await new Promise((r) => setImmediate(r));
    }
  }

  private settleRead(reply: Reply): boolean {
    const pending = this.pendingReads.get(reply.seq);
    if (!pending) return false;
    this.pendingReads.delete(reply.seq);
    if (reply.ok) pending.resolve(reply);
    else pending.reject(new Error(`gpu backend (${this.mode} in a worker): ${reply.error}`));
    return true;
  }

  write(b: DeviceBuffer, values: ArrayLike<number>): void {
    const r = this.remote(b);
    this.post({ t: 'write', id: r.id, values: Float32Array.from(values), op: 'write' });
  }

  copy(src: DeviceBuffer, dst: DeviceBuffer): void {
    const from = this.remote(src);
    const to = this.remote(dst);
    if (from.size !== to.size)
      throw new RangeError(
        `gpu backend bridge: copy of ${from.size} values into a buffer of ${to.size}`,
      );
    this.post({ t: 'copy', id: to.id, from: from.id, size: to.size, op: 'copy' });
  }

  free(b: DeviceBuffer): void {
    if (this.broken === null) this.post({ t: 'free', id: this.remote(b).id });
  }

  /** destroy(), waiting at most `ms` for the worker (the exit hook must not hang the exit). */
  destroyWithin(ms: number): void {
    this.timeoutMs = Math.min(this.timeoutMs, ms);
    this.destroy();
  }

  destroy(): void {
    if (this.broken !== null) return;
    try {
      this.request({ t: 'destroy' }, 'destroy');
    } finally {
      this.stop('the bridge was destroyed');
    }
  }

  // --- channel -----------------------------------------------------------------------------------

  private remote(b: DeviceBuffer): RemoteBuffer {
    if (!(b instanceof RemoteBuffer))
      throw new TypeError('gpu backend bridge: a host array where a worker buffer was expected');
    return b;
  }

  private stats(): Reply {
    return this.request({ t: 'stats' }, 'stats');
  }

  private post(message: Record<string, unknown>): void {
    this.alive();
    this.port.postMessage({ ...message, n: ++this.requests });
  }

  private request(message: Record<string, unknown>, what: string): Reply {
    this.alive();
    const seq = ++this.seq;
    this.port.postMessage({ ...message, seq, n: ++this.requests });
    return this.wait(seq, what);
  }

  private alive(): void {
    if (this.broken !== null)
      throw new Error(`gpu backend (${this.mode} in a worker): ${this.broken}`);
  }

  private stop(why: string): void {
    this.broken = why;
    liveWebGpuBridges.delete(this);
    const held = dawnHolders.get(this.worker);
    if (held) held.stopping = true;
    void this.worker.terminate();
    this.port.close();
  }

  /** Blocks until the worker answers request `seq`; throws its error, or on timeout. */
  private wait(seq: number, what: string): Reply {
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      const answered = Atomics.load(this.control, 0);
      if (Atomics.load(this.control, 1) !== 0) {
        const last = receiveMessageOnPort(this.port)?.message as Reply | undefined;
        const why = `the worker failed and was stopped (${last?.error ?? 'no message'}), during ${what}`;
        this.stop(why);
        throw new Error(`gpu backend (${this.mode} in a worker): ${why}`);
      }
      if (answered === seq) {
        let reply = receiveMessageOnPort(this.port)?.message as Reply | undefined;
        // Answers to earlier non-blocking reads come first.
        while (reply && this.settleRead(reply))
          reply = receiveMessageOnPort(this.port)?.message as Reply | undefined;
        if (!reply || reply.seq !== seq) {
          this.stop(
            `protocol error: expected the answer to request ${seq}, got ${JSON.stringify(reply)}`,
          );
          throw new Error(`gpu backend (${this.mode} in a worker): ${this.broken}`);
        }
        if (!reply.ok) {
          if (seq === 0) this.stop(reply.error ?? 'the worker did not start');
          throw new Error(`gpu backend (${this.mode} in a worker): ${reply.error}`);
        }
        return reply;
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        const why =
          `no answer from the worker within ${this.timeoutMs} ms during ${what} (it hung or died); ` +
          'the worker was stopped and this backend can no longer run kernels';
        this.stop(why);
        throw new Error(`gpu backend (${this.mode} in a worker): ${why}`);
      }
      Atomics.wait(this.control, 0, answered, left);
    }
  }
}
