/**
 * Runs one kernel call on several cores: the GEMM (its column panels of C, or its row panels when
 * there are more of those to share out), the GEMM module's packing (transpose by matrix, packRows
 * by panel) and the data-movement kernels of ops-wat.ts (im2col and col2im by image, the 2×2 max
 * pool and its backward scatter by plane, relu and its gradient by vectors of four floats, the
 * conv bias gradient's per-channel sums by channel, the [B, O, P] → [O, B, P] permute by row of
 * O). A call is cut into units whose outputs do not overlap (whole panels of C with the whole
 * inner dimension; whole matrices, images, planes), and units are handed out in chunks to the
 * calling thread and to worker threads that instantiate the same kernel bytes on the same shared
 * wasm memory. Every output element is computed by the same instruction sequence whoever takes
 * its unit, and no two threads write (or add into) the same element, so results are
 * bit-identical for any number of threads.
 *
 * A chunk is one call of the kernel with some arguments moved along its units: for units
 * [u0, u1) an argument is `base + u0·perUnit` (an offset, say the chunk's first image) or
 * `(u1 − u0)·perUnit` (a count, say its number of images); see `SplitArg`.
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
import { OPS_WASM } from './wasm-binaries.js';
import { GemmKernel, instantiate, relaxedSimd, type GemmFn } from './wasm-module.js';
import { wasmMemory } from './wasm-memory.js';
import { availableThreads, hostEnv, startWorker } from './worker-host.js';

const JOB = 0;
const TICKET = 1;
const FINISHED = 2;
/** Workers that have instantiated the kernels and wait for work. */
const READY = 3;
/**
 * The job from here on: first ticket, chunk count, kernel (an index into the kernel table), units,
 * argument count, then three slots per argument: base, per unit, and 1 for a count (0 otherwise).
 */
const FIRST = 4;
const ARGS = FIRST + 5;
const MAX_ARGS = 14;
const SLOTS = ARGS + 3 * MAX_ARGS;
/** The kernel table: these of the GEMM module (gemm-wat.ts), then these of ops-wat.ts. */
const GEMM_KERNELS = ['gemm', 'transpose', 'packRows'] as const;
const OPS_KERNELS = [
  'im2col',
  'col2im',
  'maxPool2x2',
  'scatterAdd',
  'relu',
  'reluBackward',
  'channelSums',
  'swapOuterAxes',
] as const;
const KERNELS = [...GEMM_KERNELS, ...OPS_KERNELS] as const;
/** The kernels `split` shares out: all but the GEMM, which `gemm` splits by panels of C. */
export type SplitOp = Exclude<(typeof KERNELS)[number], 'gemm'>;
/** Below this many multiply-adds the hand-off (tens of microseconds) costs more than it saves. */
const MIN_PARALLEL_MACS = 1 << 20;
/** About this many multiply-adds per chunk: enough to amortise a claim, small enough to balance. */
const CHUNK_MACS = 1 << 19;
/** At most this many chunks per thread. */
const MAX_CHUNKS_PER_THREAD = 8;
/** A data-movement call that moves fewer bytes than this runs on the calling thread alone. */
const MIN_PARALLEL_BYTES = 1 << 19;
/** Chunks per thread of a data-movement call: few, since its units cost the same. */
const OP_CHUNKS_PER_THREAD = 2;
/** How many times the caller polls for the workers' last chunks before it sleeps (tens of µs). */
const SPIN_LOADS = 4_000;
/** A worker that has not answered after this long has died; fail loudly rather than hang. */
const TIMEOUT_MS = 120_000;

/**
 * One argument of a split call, for the units [u0, u1) of a chunk: `base + u0·perUnit`, or with
 * `count`, `(u1 − u0)·perUnit`. A fixed argument has perUnit 0.
 */
export interface SplitArg {
  base: number;
  perUnit: number;
  count: boolean;
}
/** An argument that is the same for every chunk. */
export const fixedArg = (value: number): SplitArg => ({ base: value, perUnit: 0, count: false });
/** An offset that moves `perUnit` per unit: the chunk's first unit's. */
export const offsetArg = (base: number, perUnit: number): SplitArg => ({
  base,
  perUnit,
  count: false,
});
/** The chunk's number of units, times `perUnit`. */
export const countArg = (perUnit = 1): SplitArg => ({ base: 0, perUnit, count: true });

/**
 * Claims and computes chunks of one job until none is left. `job` is a copy of the control block
 * (its slots as laid out above), read whole while the job's `JOB` value held; `kernels` is the
 * kernel table (KERNELS). The same function runs in the caller and, as source
 * text, in every worker, so it names nothing outside itself: the slot indices are spelled as
 * numbers here (`test/conformance/fast-threads.test.ts` runs it in workers and checks every
 * element).
 */
function runChunks(
  control: Int32Array,
  job: Int32Array,
  kernels: ((...args: number[]) => void)[],
): void {
  const [, , , , first, chunks, kernel, units, argc] = job;
  const run = kernels[kernel];
  const args = new Array<number>(argc);
  for (;;) {
    const ticket = Atomics.load(control, 1); // TICKET
    const index = (ticket - first) | 0;
    if (index < 0 || index >= chunks) return;
    if (Atomics.compareExchange(control, 1, ticket, (ticket + 1) | 0) !== ticket) continue;
    const u0 = Math.round((index * units) / chunks);
    const u1 = Math.round(((index + 1) * units) / chunks);
    for (let i = 0, at = 9; i < argc; i++, at += 3)
      // ARGS
      args[i] = job[at] + (job[at + 2] === 1 ? u1 - u0 : u0) * job[at + 1];
    run(...args);
    const finished = (Atomics.add(control, 2, 1) + 1) | 0; // FINISHED
    if (finished === ((first + chunks) | 0)) Atomics.notify(control, 2);
  }
}

const WORKER_SOURCE = `
onStart(({ gemmBytes, opsBytes, gemmNames, opsNames, memory, control: buffer }) => {
const instance = (bytes) => new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
const [gemm, ops] = [instance(gemmBytes).exports, instance(opsBytes).exports];
const kernels = [...gemmNames.map((name) => gemm[name]), ...opsNames.map((name) => ops[name])];
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
  runChunks(control, job, kernels);
}
});
`;

export function threadCount(): number {
  const env = Number(hostEnv('THERMOGRAD_THREADS'));
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, Math.min(4, availableThreads()));
}

type Kernel = (...args: number[]) => void;

export class KernelThreads {
  /** The ops-wat.ts kernels on the GEMM kernel's memory, for calls on the calling thread. */
  readonly ops: Record<string, Kernel>;
  private readonly kernels: Kernel[];
  private readonly control: Int32Array;
  private readonly job = new Int32Array(SLOTS);
  private readonly workers: { terminate(): void }[] = [];

  constructor(
    private readonly kernel: GemmKernel,
    readonly threads = threadCount(),
  ) {
    this.ops = instantiate(OPS_WASM, kernel.memory) as Record<string, Kernel>;
    this.kernels = [
      ...GEMM_KERNELS.map((name) => kernel[name] as Kernel),
      ...OPS_KERNELS.map((name) => this.ops[name]),
    ];
    this.control = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    for (let w = 1; w < threads; w++) {
      this.workers.push(
        startWorker(WORKER_SOURCE, {
          gemmBytes: kernel.bytes,
          opsBytes: OPS_WASM,
          gemmNames: GEMM_KERNELS,
          opsNames: OPS_KERNELS,
          memory: kernel.memory,
          control: this.control.buffer,
        }),
      );
    }
  }

  /**
   * Resolves once every worker has instantiated the kernels and waits for work, so that a caller
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
          `fast backend: ${this.workers.length - ready} kernel worker(s) did not start within ${TIMEOUT_MS} ms`,
        );
      const wait = waitAsync?.(this.control, READY, ready, 100);
      // Without Atomics.waitAsync (older engines), poll.
      if (wait?.async) await wait.value;
      else if (!wait) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** C = A·B as kernel.gemm would compute it (same arguments), its panels spread over the threads. */
  gemm(...args: Parameters<GemmFn>): void {
    const [mPanels, nPanels, k, , , aPanelStride, , bPanelStride, ldc] = args.slice(3);
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
    const split = args.map(fixedArg);
    // A chunk of row panels: its rows of A and of C; of column panels: its columns of B and C.
    if (byRows) {
      split[0] = offsetArg(args[0], aPanelStride);
      split[2] = offsetArg(args[2], mr * ldc);
      split[3] = countArg();
    } else {
      split[1] = offsetArg(args[1], bPanelStride);
      split[2] = offsetArg(args[2], nr * 4);
      split[4] = countArg();
    }
    this.run(KERNELS.indexOf('gemm'), panels, chunks, split);
  }

  /** kernel.transpose (same arguments: see gemm-wat.ts), its matrices spread over the threads. */
  transpose(...args: Parameters<GemmKernel['transpose']>): void {
    const [src, dst, batch, m, n, lds, ldd] = args;
    // Matrix t reads rows t·n… of src and writes its own ⌈m/4⌉·4 rows of dst.
    const split = [
      offsetArg(src, n * lds),
      offsetArg(dst, Math.ceil(m / 4) * 4 * ldd),
      countArg(),
      ...[m, n, lds, ldd].map(fixedArg),
    ];
    this.split('transpose', batch, split, 8 * batch * m * n);
  }

  /** kernel.packRows (same arguments: see gemm-wat.ts), its panels spread over the threads. */
  packRows(...args: Parameters<GemmKernel['packRows']>): void {
    const [src, dst, panels, k, lds] = args;
    const { nr } = this.kernel;
    // Panel q reads columns q·NR… of src and writes its own k·NR floats.
    const split = [
      offsetArg(src, nr * 4),
      offsetArg(dst, k * nr * 4),
      countArg(),
      fixedArg(k),
      fixedArg(lds),
    ];
    this.split('packRows', panels, split, 8 * panels * k * nr);
  }

  /**
   * The kernel `op` (the GEMM module's packing or an ops-wat.ts kernel) over `units` units
   * (matrices, images, planes) whose outputs do not overlap, with `args` moved along them;
   * `bytes`, about the bytes it reads and writes, decides whether sharing it out pays.
   */
  split(op: SplitOp, units: number, args: SplitArg[], bytes: number): void {
    const chunks =
      this.threads <= 1 || bytes < MIN_PARALLEL_BYTES
        ? 1
        : Math.min(units, this.threads * OP_CHUNKS_PER_THREAD);
    this.run(KERNELS.indexOf(op), units, chunks, args);
  }

  /** Kernel `kernel` of the table over `units` units in `chunks` chunks, shared out. */
  private run(kernel: number, units: number, chunks: number, args: SplitArg[]): void {
    if (args.length > MAX_ARGS)
      throw new Error(`fast backend: a split kernel takes ≤ ${MAX_ARGS} arguments`);
    if (chunks <= 1) {
      this.kernels[kernel](...args.map((a) => a.base + (a.count ? units : 0) * a.perUnit));
      return;
    }
    const control = this.control;
    const job = this.job;
    // Every ticket of the previous job was claimed and finished, so TICKET is this job's first.
    const first = Atomics.load(control, TICKET);
    const seq = Atomics.load(control, JOB);
    Atomics.store(control, JOB, (seq + 1) | 0); // odd: arguments being written
    job.set([first, chunks, kernel, units, args.length], FIRST);
    args.forEach((a, i) => job.set([a.base, a.perUnit, a.count ? 1 : 0], ARGS + 3 * i));
    control.set(job.subarray(FIRST), FIRST);
    Atomics.store(control, JOB, (seq + 2) | 0); // even: complete
    Atomics.notify(control, JOB);
    runChunks(control, job, this.kernels);
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
        throw new Error(`fast backend: a kernel worker did not finish within ${TIMEOUT_MS} ms`);
      Atomics.wait(control, FINISHED, finished, 1000);
    }
  }
}

let kernel: GemmKernel | undefined;
let threads: KernelThreads | undefined;
/** The GEMM kernel on the backend's memory (created on first use, so importing costs only the assembly). */
export function gemmKernel(): GemmKernel {
  return (kernel ??= new GemmKernel(relaxedSimd, wasmMemory()));
}
/** The backend's kernels and their worker threads (started on first use). */
export function backendThreads(): KernelThreads {
  return (threads ??= new KernelThreads(gemmKernel()));
}

/**
 * Starts the fast backend's worker threads if they are not running yet and resolves once they all
 * wait for work (at once where there are none: a browser's main thread, one thread).
 */
export function wasmBackendReady(): Promise<void> {
  return backendThreads().ready();
}
