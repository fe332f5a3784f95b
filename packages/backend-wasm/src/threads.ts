/**
 * Runs one GEMM on several cores: the column panels of C (or its row panels, when there are more
 * of those to share out) are handed out in chunks to the calling thread and to worker threads that
 * instantiate the same kernel bytes on the same shared wasm memory. Each chunk is whole panels of C
 * with the whole inner dimension, so every element of C is computed by the same instruction
 * sequence whoever takes it: results are bit-identical for any number of threads.
 *
 * Chunks are handed out dynamically, from one atomic ticket counter, so that the calling thread
 * takes over the share of a worker the scheduler has not run yet instead of sleeping until it
 * runs (on a machine whose cores are shared with other processes, that wait was a fifth of a
 * step). The control block is a SharedArrayBuffer of 32-bit slots:
 *
 * - `JOB`, a sequence lock over the job's arguments: odd while the caller writes them, even once
 *   they are complete. A worker reads the arguments between two loads of `JOB` and uses them only
 *   if both loads saw the same even value, so a late worker never runs a half-written job.
 * - `TICKET`, the next chunk's ticket. Tickets only grow (modulo 2³²): job j owns tickets
 *   [first, first + chunks). A thread claims ticket t by compare-and-exchange from t to t + 1, and
 *   only when t lies in the range of the job whose arguments it read: the exchange succeeds only
 *   while t is unclaimed, which can only be during that job, so a worker that read job j's
 *   arguments can never take a chunk of a later job.
 * - `FINISHED`, tickets whose chunk is computed (same numbering): the caller returns once it has
 *   reached first + chunks. Whoever finishes the last chunk notifies it.
 *
 * The caller waits only for chunks a worker has claimed (Atomics.wait is allowed on Node's main
 * thread, not on a browser's: see worker-host.ts). Workers are started from a code string
 * (worker-host.ts: worker_threads under Node, Web Workers in a browser), so no TypeScript loader
 * or bundler step is involved.
 *
 * THERMOGRAD_THREADS sets the number of threads (default: the available cores, at most 4; 1 turns
 * workers off).
 */
import type { GemmFn, GemmKernel } from './wasm-module.js';
import { availableThreads, hostEnv, startWorker } from './worker-host.js';

const JOB = 0;
const TICKET = 1;
const FINISHED = 2;
/** Workers that have instantiated the kernel and wait for work. */
const READY = 3;
/** The job from here on: first ticket, chunk count, byRows (1 or 0), panels, the 12 gemm arguments. */
const FIRST = 4;
const SLOTS = FIRST + 4 + 12;
/** Below this many multiply-adds the hand-off (tens of microseconds) costs more than it saves. */
const MIN_PARALLEL_MACS = 1 << 20;
/** About this many multiply-adds per chunk: enough to amortise a claim, small enough to balance. */
const CHUNK_MACS = 1 << 19;
/** At most this many chunks per thread. */
const MAX_CHUNKS_PER_THREAD = 8;
/** How many times the caller polls for the workers' last chunks before it sleeps (tens of µs). */
const SPIN_LOADS = 4_000;
/** A worker that has not answered after this long has died; fail loudly rather than hang. */
const TIMEOUT_MS = 120_000;

/**
 * Claims and computes chunks of one job until none is left. `job` is a copy of the control block
 * (its slots as laid out above), read whole while the job's `JOB` value held. The same function
 * runs in the caller and, as source text, in every worker, so it names nothing outside itself:
 * the slot indices are spelled as numbers here (`test/conformance/fast-threads.test.ts` runs it
 * in workers and checks every panel).
 */
function runChunks(
  control: Int32Array,
  job: Int32Array,
  mr: number,
  nr: number,
  gemm: (...args: number[]) => void,
): void {
  const [, , , , first, chunks, byRows, panels, a, b, c, mPanels, nPanels] = job;
  // k and the strides, passed through unchanged.
  const rest = Array.from(job.subarray(13, 20));
  for (;;) {
    const ticket = Atomics.load(control, 1); // TICKET
    const index = (ticket - first) | 0;
    if (index < 0 || index >= chunks) return;
    if (Atomics.compareExchange(control, 1, ticket, (ticket + 1) | 0) !== ticket) continue;
    const q0 = Math.round((index * panels) / chunks);
    const q1 = Math.round(((index + 1) * panels) / chunks);
    const aPanelStride = rest[3];
    const bPanelStride = rest[5];
    const ldc = rest[6];
    if (byRows === 1) gemm(a + q0 * aPanelStride, b, c + q0 * mr * ldc, q1 - q0, nPanels, ...rest);
    else gemm(a, b + q0 * bPanelStride, c + q0 * nr * 4, mPanels, q1 - q0, ...rest);
    const finished = (Atomics.add(control, 2, 1) + 1) | 0; // FINISHED
    if (finished === ((first + chunks) | 0)) Atomics.notify(control, 2);
  }
}

const WORKER_SOURCE = `
onStart(({ bytes, memory, control: buffer, mr, nr }) => {
const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
const gemm = instance.exports.gemm;
const control = new Int32Array(buffer);
const job = new Int32Array(${SLOTS});
const runChunks = ${runChunks.toString()};
Atomics.add(control, ${READY}, 1);
Atomics.notify(control, ${READY});
let seen = 0;
for (;;) {
  Atomics.wait(control, ${JOB}, seen);
  const seq = Atomics.load(control, ${JOB});
  seen = seq;
  if (seq & 1) continue; // being written: wait for the even value
  job.set(control.subarray(0, ${SLOTS}));
  if (Atomics.load(control, ${JOB}) !== seq) continue; // rewritten while read: look again
  runChunks(control, job, mr, nr, gemm);
}
});
`;

export function threadCount(): number {
  const env = Number(hostEnv('THERMOGRAD_THREADS'));
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, Math.min(4, availableThreads()));
}

export class GemmThreads {
  private readonly control: Int32Array;
  private readonly job = new Int32Array(SLOTS);
  private readonly workers: { terminate(): void }[] = [];

  constructor(
    private readonly kernel: GemmKernel,
    readonly threads = threadCount(),
  ) {
    this.control = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    for (let w = 1; w < threads; w++) {
      this.workers.push(
        startWorker(WORKER_SOURCE, {
          bytes: kernel.bytes,
          memory: kernel.memory,
          control: this.control.buffer,
          mr: kernel.mr,
          nr: kernel.nr,
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
    for (;;) {
      const ready = Atomics.load(this.control, READY);
      if (ready >= this.workers.length) return;
      if (Date.now() > deadline)
        throw new Error(
          `fast backend: ${this.workers.length - ready} matmul worker(s) did not start within ${TIMEOUT_MS} ms`,
        );
      const wait = waitAsync?.(this.control, READY, ready, 100);
      // Without Atomics.waitAsync (older engines), poll.
      if (wait?.async) await wait.value;
      else if (!wait) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** C = A·B as kernel.gemm would compute it (same arguments), its panels spread over the threads. */
  gemm(...args: Parameters<GemmFn>): void {
    const [mPanels, nPanels, k] = args.slice(3, 6);
    const { mr, nr } = this.kernel;
    // Split the dimension with more panels: each chunk gets more work per claim and the other
    // operand is read whole by every thread either way.
    const byRows = mPanels > nPanels;
    const panels = byRows ? mPanels : nPanels;
    const macs = mPanels * mr * nPanels * nr * k;
    if (this.threads <= 1 || panels <= 1 || macs < MIN_PARALLEL_MACS) {
      this.kernel.gemm(...args);
      return;
    }
    const chunks = Math.min(
      panels,
      Math.max(
        this.threads,
        Math.min(this.threads * MAX_CHUNKS_PER_THREAD, Math.round(macs / CHUNK_MACS)),
      ),
    );
    const control = this.control;
    const job = this.job;
    // Every ticket of the previous job was claimed and finished, so TICKET is this job's first.
    const first = Atomics.load(control, TICKET);
    const seq = Atomics.load(control, JOB);
    Atomics.store(control, JOB, (seq + 1) | 0); // odd: arguments being written
    job.set([first, chunks, byRows ? 1 : 0, panels], FIRST);
    job.set(args, FIRST + 4);
    control.set(job.subarray(FIRST), FIRST);
    Atomics.store(control, JOB, (seq + 2) | 0); // even: complete
    Atomics.notify(control, JOB);
    runChunks(control, job, mr, nr, this.kernel.gemm);
    // What is left is chunks that workers claimed and are still computing.
    const end = (first + chunks) | 0;
    // A claimed chunk is usually finishing already: spin a little before sleeping, since waking
    // from Atomics.wait takes the scheduler's time, which on shared cores can exceed a chunk's.
    for (let spin = 0; spin < SPIN_LOADS; spin++)
      if (Atomics.load(control, FINISHED) === end) return;
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const finished = Atomics.load(control, FINISHED);
      if (finished === end) return;
      if (Date.now() > deadline)
        throw new Error(`fast backend: a matmul worker did not finish within ${TIMEOUT_MS} ms`);
      Atomics.wait(control, FINISHED, finished, 1000);
    }
  }
}
