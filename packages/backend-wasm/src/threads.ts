/**
 * Runs one GEMM on several cores: the column panels of C (or its row panels, when there are more
 * of those to share out) are split between the calling thread and worker threads that instantiate
 * the same kernel bytes on the same shared wasm memory. Each thread owns whole panels of C and runs
 * the whole inner dimension for them, so every element of C is computed by the same instruction
 * sequence whatever the split: results are bit-identical for any number of threads.
 *
 * Hand-off is through a SharedArrayBuffer of Int32 slots (one row per worker): the caller writes the
 * arguments, bumps the row's `go` counter and notifies; the worker runs and stores the counter into
 * `done`. The calling thread works on its own share meanwhile, then waits on `done` (Atomics.wait is
 * allowed on Node's main thread, not on a browser's: see worker-host.ts). Workers are started from
 * a code string (worker-host.ts: worker_threads under Node, Web Workers in a browser), so no
 * TypeScript loader or bundler step is involved.
 *
 * THERMOGRAD_THREADS sets the number of threads (default: the available cores, at most 4; 1 turns
 * workers off).
 */
import type { GemmKernel } from './wasm-module.js';
import { availableThreads, hostEnv, startWorker } from './worker-host.js';

const SLOT = 16; // int32 slots per worker row: go, done, the gemm arguments, ready
const GO = 0;
const DONE = 1;
const ARGS = 2;
/** Set to 1 by the worker once its kernel is instantiated. */
const READY = 15;
/** Below this many multiply-adds the hand-off (tens of microseconds) costs more than it saves. */
const MIN_PARALLEL_MACS = 1 << 20;
/** A worker that has not answered after this long has died; fail loudly rather than hang. */
const TIMEOUT_MS = 120_000;

const WORKER_SOURCE = `
onStart(({ bytes, memory, control, row }) => {
const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
const gemm = instance.exports.gemm;
const slots = new Int32Array(control, row * ${SLOT * 4}, ${SLOT});
Atomics.store(slots, ${READY}, 1);
Atomics.notify(slots, ${READY});
let seen = 0;
for (;;) {
  Atomics.wait(slots, ${GO}, seen);
  seen = Atomics.load(slots, ${GO});
  const a = slots.subarray(${ARGS});
  gemm(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
  Atomics.store(slots, ${DONE}, seen);
  Atomics.notify(slots, ${DONE});
}
});
`;

export function threadCount(): number {
  const env = Number(hostEnv('THERMOGRAD_THREADS'));
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, Math.min(4, availableThreads()));
}

export class GemmThreads {
  private readonly control: SharedArrayBuffer;
  private readonly slots: Int32Array;
  private readonly workers: { terminate(): void }[] = [];
  private seq = 0;

  constructor(
    private readonly kernel: GemmKernel,
    readonly threads = threadCount(),
  ) {
    const helpers = threads - 1;
    this.control = new SharedArrayBuffer(Math.max(1, helpers) * SLOT * 4);
    this.slots = new Int32Array(this.control);
    for (let row = 0; row < helpers; row++) {
      this.workers.push(
        startWorker(WORKER_SOURCE, {
          bytes: kernel.bytes,
          memory: kernel.memory,
          control: this.control,
          row,
        }),
      );
    }
  }

  /**
   * Resolves once every worker has instantiated the kernel and waits for work, so that a caller
   * (a Web Worker about to train) need not warm the threads up with a throwaway matmul; rejects
   * when one has not started within the time limit.
   */
  async ready(): Promise<void> {
    const deadline = Date.now() + TIMEOUT_MS;
    const waitAsync = (
      Atomics as unknown as {
        waitAsync?: (
          a: Int32Array,
          at: number,
          value: number,
          ms: number,
        ) => { async: boolean; value: Promise<unknown> | string };
      }
    ).waitAsync;
    for (let row = 0; row < this.workers.length; row++) {
      const at = row * SLOT + READY;
      while (Atomics.load(this.slots, at) === 0) {
        if (Date.now() > deadline)
          throw new Error(
            `fast backend: matmul worker ${row + 1} did not start within ${TIMEOUT_MS} ms`,
          );
        const wait = waitAsync?.(this.slots, at, 0, 100);
        // Without Atomics.waitAsync (older engines), poll.
        if (wait?.async) await wait.value;
        else if (!wait) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }

  /** C = A·B as kernel.gemm would compute it (same arguments), its panels spread over the threads. */
  gemm(
    a: number,
    b: number,
    c: number,
    mPanels: number,
    nPanels: number,
    k: number,
    aRowStride: number,
    aColStride: number,
    aPanelStride: number,
    ldb: number,
    bPanelStride: number,
    ldc: number,
  ): void {
    const { mr } = this.kernel;
    const nr = this.kernel.nr;
    // Split the dimension with more panels: each thread gets the larger share of work per hand-off
    // and the other operand is read whole by every thread either way.
    const byRows = mPanels > nPanels;
    const panels = byRows ? mPanels : nPanels;
    const parts = Math.min(this.threads, panels);
    if (parts <= 1 || mPanels * mr * nPanels * nr * k < MIN_PARALLEL_MACS) {
      this.kernel.gemm(
        a,
        b,
        c,
        mPanels,
        nPanels,
        k,
        aRowStride,
        aColStride,
        aPanelStride,
        ldb,
        bPanelStride,
        ldc,
      );
      return;
    }
    const seq = ++this.seq;
    // Share s gets panels [start(s), start(s + 1)); share 0 is the calling thread's.
    const start = (s: number) => Math.round((s * panels) / parts);
    const share = (q0: number, q1: number) =>
      byRows
        ? [a + q0 * aPanelStride, b, c + q0 * mr * ldc, q1 - q0, nPanels]
        : [a, b + q0 * bPanelStride, c + q0 * nr * 4, mPanels, q1 - q0];
    for (let s = 1; s < parts; s++) {
      const row = (s - 1) * SLOT;
      const args = [
        ...share(start(s), start(s + 1)),
        k,
        aRowStride,
        aColStride,
        aPanelStride,
        ldb,
        bPanelStride,
        ldc,
      ];
      for (let i = 0; i < args.length; i++) this.slots[row + ARGS + i] = args[i];
      Atomics.store(this.slots, row + GO, seq);
      Atomics.notify(this.slots, row + GO);
    }
    const [a0, b0, c0, m0, n0] = share(0, start(1));
    this.kernel.gemm(
      a0,
      b0,
      c0,
      m0,
      n0,
      k,
      aRowStride,
      aColStride,
      aPanelStride,
      ldb,
      bPanelStride,
      ldc,
    );
    const deadline = Date.now() + TIMEOUT_MS;
    for (let s = 1; s < parts; s++) {
      const at = (s - 1) * SLOT + DONE;
      for (;;) {
        const done = Atomics.load(this.slots, at);
        if (done === seq) break;
        if (Date.now() > deadline)
          throw new Error(
            `fast backend: matmul worker ${s} did not finish within ${TIMEOUT_MS} ms`,
          );
        Atomics.wait(this.slots, at, done, 1000);
      }
    }
  }
}
