/**
 * Float32 matmul on the WebAssembly SIMD microkernel (gemm-wat.ts). Operands go into wasm memory
 * packed into contiguous panels where that pays (see AOperand/BOperand below: a transposed A, any
 * B of a product with enough rows, and both for wide products), so every transpose variant streams
 * consecutive memory at n = 1024; a small row-major operand is copied with one memcpy and read in
 * place. Large products are spread over worker threads (threads.ts).
 *
 * A batch with one side shared (a convolution's weights against every example's patches) becomes
 * one large product instead of `batch` small ones, so the kernel and the threads see one big job:
 * - A batched, B shared: the A matrices stacked as rows, C = [op(A_0); op(A_1); …] · op(B), which
 *   is already C's batch layout;
 * - A shared, B batched and transposed (conv forward, W · colsᵀ): the operands swap,
 *   Cᵀ stacked = [B_0; B_1; …] · op(A)ᵀ, read in place, and C is transposed on the way out,
 *   when that copy (batch·m·n) is smaller than transposing B on the way in (batch·n·k);
 * - otherwise A shared, B batched: the B matrices side by side, C = op(A) · [op(B_0) | op(B_1) | …].
 * Every element of C is the same sequence of multiply-adds in every arrangement (float products
 * commute exactly), so results are bit-identical to the per-matrix loop.
 */
import type { MatmulParams } from '@thermograd/autograd';
import { GemmKernel } from './wasm-module.js';
import { GemmThreads } from './threads.js';
import { takeF32 } from './buffer-pool.js';

let kernel: GemmKernel | undefined;
let threads: GemmThreads | undefined;
/** The shared kernel instance and its threads (created on first use, so importing costs only the assembly). */
export function gemmKernel(): GemmKernel {
  return (kernel ??= new GemmKernel());
}
function gemmThreads(): GemmThreads {
  return (threads ??= new GemmThreads(gemmKernel()));
}

/**
 * How the kernel gets an operand into wasm memory:
 * - A 'raw': copied as stored (one memcpy) and read through strides: A(i, l) at
 *   i·rowStride + l·colStride floats (used for a row-major A, colStride 1, whose rows stream well);
 * - A 'packed': rows written into contiguous [k][MR] panels, so every A read is sequential (a
 *   transposed A, which read in place jumps a whole row of storage per inner index);
 * - B 'packed': columns written into contiguous [k][NR] panels (GotoBLAS): one micro-panel is
 *   8 KiB of consecutive floats, where in place it would be KC rows a full row of B apart (4 KiB at
 *   n = 1024: every row in the same L1 set) or, transposed, not even contiguous;
 * - B 'raw': copied as stored, row-major [k, n] (small products, where packing would cost more
 *   than it saves).
 * Packing reads each operand element once (O(m·k + k·n) against the O(m·k·n) product).
 */
type AOperand =
  | {
      kind: 'raw';
      rowStride: number;
      colStride: number;
      fill(mem: Float32Array, off: number): void;
    }
  /** A(i, l) = src[rowBase[i] + l·colStride]. */
  | { kind: 'packed'; src: Float32Array; rowBase: Int32Array; colStride: number };
type BOperand =
  | { kind: 'raw'; fill(mem: Float32Array, off: number): void }
  /** B(l, j) = src[colBase[j] + l·rowStride]. */
  | { kind: 'packed'; src: Float32Array; colBase: Int32Array; rowStride: number };

/** One product C[M×N] = A·B. */
interface Job {
  m: number;
  k: number;
  n: number;
  a: AOperand;
  b: BOperand;
  /** Floats of scratch the drain needs after C (default 0). */
  scratch?: number;
  /** Copy C (row stride np floats, at cOff) out; scratch (if asked for) starts at float sOff. */
  drain(mem: Float32Array, cOff: number, np: number, sOff: number): void;
}

/** A's rows as [mPanels][k][mr] at dst[off…]; rows past m are zeros. */
function packA(
  dst: Float32Array,
  off: number,
  mr: number,
  m: number,
  k: number,
  src: Float32Array,
  rowBase: Int32Array,
  cs: number,
): void {
  const panel = k * mr;
  const mPanels = Math.ceil(m / mr);
  for (let p = 0; p < mPanels; p++) {
    const d = off + p * panel;
    const i0 = p * mr;
    if (cs !== 1 && mr === 4 && i0 + 4 <= m && rowBase[i0 + 3] === rowBase[i0] + 3) {
      // Four adjacent rows of a transposed A: one 16-byte run per inner index.
      for (let l = 0, o = d, t = rowBase[i0]; l < k; l++, o += 4, t += cs) {
        dst[o] = src[t];
        dst[o + 1] = src[t + 1];
        dst[o + 2] = src[t + 2];
        dst[o + 3] = src[t + 3];
      }
      continue;
    }
    for (let r = 0; r < mr; r++) {
      const i = p * mr + r;
      if (i >= m) {
        for (let l = 0, o = d + r; l < k; l++, o += mr) dst[o] = 0;
        continue;
      }
      const s = rowBase[i];
      if (cs === 1) for (let l = 0, o = d + r; l < k; l++, o += mr) dst[o] = src[s + l];
      else for (let l = 0, o = d + r, t = s; l < k; l++, o += mr, t += cs) dst[o] = src[t];
    }
  }
}

/** B's columns as [nPanels][k][nr] at dst[off…]; columns past n are zeros. */
function packB(
  dst: Float32Array,
  off: number,
  nr: number,
  n: number,
  k: number,
  src: Float32Array,
  colBase: Int32Array,
  rs: number,
): void {
  const panel = k * nr;
  const nPanels = Math.ceil(n / nr);
  for (let q = 0; q < nPanels; q++) {
    const d = off + q * panel;
    const j0 = q * nr;
    if (rs !== 1 && nr === 8 && j0 + 8 <= n && colBase[j0 + 7] === colBase[j0] + 7) {
      // Eight adjacent columns of a row-major B: one 32-byte run per row.
      for (let l = 0, o = d, t = colBase[j0]; l < k; l++, o += 8, t += rs) {
        dst[o] = src[t];
        dst[o + 1] = src[t + 1];
        dst[o + 2] = src[t + 2];
        dst[o + 3] = src[t + 3];
        dst[o + 4] = src[t + 4];
        dst[o + 5] = src[t + 5];
        dst[o + 6] = src[t + 6];
        dst[o + 7] = src[t + 7];
      }
      continue;
    }
    for (let jj = 0; jj < nr; jj++) {
      const j = j0 + jj;
      if (j >= n) {
        for (let l = 0, o = d + jj; l < k; l++, o += nr) dst[o] = 0;
        continue;
      }
      const s = colBase[j];
      for (let l = 0, o = d + jj, t = s; l < k; l++, o += nr, t += rs) dst[o] = src[t];
    }
  }
}

const roundUp4 = (x: number) => (x + 3) & ~3;

/** Below this many multiply-adds per column of B, packing B costs more than the kernel saves. */
const PACK_B_MIN_ROWS = 64;
/** From this many columns of C on, a row-major A is packed too: each A panel is then read n/NR times. */
const PACK_A_MIN_COLS = 256;
/** …and from this many rows: a few rows (a conv weight gradient, [O, N·P]) stream well enough in place. */
const PACK_A_MIN_ROWS = 64;

function run(job: Job): void {
  const { m, k, n } = job;
  const g = gemmKernel();
  const { mr, nr } = g;
  const mPanels = Math.ceil(m / mr);
  const nPanels = Math.ceil(n / nr);
  const mp = mPanels * mr;
  const np = nPanels * nr;
  // Float offsets of the three regions, 16-byte aligned. A raw operand's region is sized for the
  // reads of the padded rows and columns (see gemm-wat.ts): up to mp·k + mp floats for A (either
  // layout), k·n + np for B; a packed one is exactly mp·k or k·np.
  const aOff = 0;
  const bOff = roundUp4(aOff + mp * k + mp + 4);
  const cOff = roundUp4(bOff + Math.max(k * n + np, k * np) + 4);
  // Scratch for the drain after C and three more rows of slack (the transposed drain reads past it).
  const sOff = roundUp4(cOff + mp * np + 3 * np + 4);
  const mem = g.reserve(job.scratch ? sOff + job.scratch : cOff + mp * np);
  const a = job.a;
  let aRowStride: number, aColStride: number, aPanelStride: number;
  if (a.kind === 'raw') {
    a.fill(mem, aOff);
    [aRowStride, aColStride, aPanelStride] = [
      a.rowStride * 4,
      a.colStride * 4,
      mr * a.rowStride * 4,
    ];
  } else {
    packA(mem, aOff, mr, m, k, a.src, a.rowBase, a.colStride);
    [aRowStride, aColStride, aPanelStride] = [4, mr * 4, k * mr * 4];
  }
  const b = job.b;
  let ldb: number, bPanelStride: number;
  if (b.kind === 'raw') {
    b.fill(mem, bOff);
    [ldb, bPanelStride] = [n * 4, nr * 4];
  } else {
    packB(mem, bOff, nr, n, k, b.src, b.colBase, b.rowStride);
    [ldb, bPanelStride] = [nr * 4, k * nr * 4];
  }
  gemmThreads().gemm(
    aOff * 4,
    bOff * 4,
    cOff * 4,
    mPanels,
    nPanels,
    k,
    aRowStride,
    aColStride,
    aPanelStride,
    ldb,
    bPanelStride,
    ldc(np),
  );
  job.drain(g.f32, cOff, np, sOff);
}
const ldc = (np: number) => np * 4;

/** C rows [rows × n] at cOff (row stride np) copied to out[outBase…] contiguously. */
function drainRows(
  mem: Float32Array,
  cOff: number,
  np: number,
  rows: number,
  n: number,
  out: Float32Array,
  outBase: number,
): void {
  if (np === n) out.set(mem.subarray(cOff, cOff + rows * n), outBase);
  else
    for (let i = 0; i < rows; i++)
      out.set(mem.subarray(cOff + i * np, cOff + i * np + n), outBase + i * n);
}

/**
 * out[t, i, j] = D[t·n + j, i] for the stacked Cᵀ D at cOff (row stride np): the kernel module's
 * SIMD transpose (4×4 blocks, gemm-wat.ts) writes it to the scratch at sOff, matrix by matrix with
 * rows padded to ⌈n/4⌉·4 floats, and it is copied out with one memcpy (or one per row when padded).
 * The JavaScript loop it replaces (four rows of out per pass) took 1.3 ms for the bench CNN's first
 * convolution (64 × [16, 784]).
 */
const transposedScratch = (batch: number, m: number, n: number) =>
  batch * roundUp4(m) * roundUp4(n);
function drainTransposed(
  mem: Float32Array,
  cOff: number,
  np: number,
  sOff: number,
  batch: number,
  m: number,
  n: number,
  out: Float32Array,
): void {
  const n4 = roundUp4(n);
  const m4 = roundUp4(m);
  gemmKernel().transpose(cOff * 4, sOff * 4, batch, m, n, np * 4, n4 * 4);
  if (n4 === n && m4 === m) {
    out.set(mem.subarray(sOff, sOff + batch * m * n));
    return;
  }
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      const s = sOff + (t * m4 + i) * n4;
      out.set(mem.subarray(s, s + n), (t * m + i) * n);
    }
  }
}

/** base, base + step, base + 2·step, … (n of them), for the operand descriptors. */
function ramp(n: number, base: number, step: number): Int32Array {
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) r[i] = base + i * step;
  return r;
}

/**
 * op(B_t) for one matrix t, as a B operand of the kernel: packed when stored transposed (it has
 * to be rearranged anyway) or when m is large enough to repay the packing, else copied raw.
 */
function bOperand(
  b: Float32Array,
  t: number,
  k: number,
  n: number,
  transB: boolean,
  m: number,
): BOperand {
  const base = t * k * n;
  if (transB) return { kind: 'packed', src: b, colBase: ramp(n, base, k), rowStride: 1 };
  if (m >= PACK_B_MIN_ROWS)
    return { kind: 'packed', src: b, colBase: ramp(n, base, 1), rowStride: n };
  return { kind: 'raw', fill: (mem, off) => mem.set(b.subarray(base, base + k * n), off) };
}

export function matmulF32(a: Float32Array, b: Float32Array, p: MatmulParams): Float32Array {
  const { batch, m, k, n, transA, transB, aBatched, bBatched } = p;
  // Every element is written below (a pooled buffer is dirty), except in an empty product.
  const out = takeF32(batch * m * n);
  if (batch === 0 || m === 0 || n === 0 || k === 0) return out.fill(0);
  /** op(A_t) as an A operand: a row-major A is read in place, a transposed one packed. */
  const aOperand = (t: number): AOperand => {
    const base = t * m * k;
    if (transA) return { kind: 'packed', src: a, rowBase: ramp(m, base, 1), colStride: m };
    if (n >= PACK_A_MIN_COLS && m >= PACK_A_MIN_ROWS)
      return { kind: 'packed', src: a, rowBase: ramp(m, base, k), colStride: 1 };
    return {
      kind: 'raw',
      rowStride: k,
      colStride: 1,
      fill: (mem, off) => mem.set(a.subarray(base, base + m * k), off),
    };
  };

  if (batch > 1 && aBatched && !bBatched) {
    // C [batch·m, n] = [op(A_0); op(A_1); …] · op(B).
    const rows = batch * m;
    let aOp: AOperand;
    if (!transA)
      aOp = {
        kind: 'raw',
        rowStride: k,
        colStride: 1,
        fill: (mem, off) => mem.set(a.subarray(0, rows * k), off),
      };
    else {
      // Row t·m + i of the stack is column i of the stored [k, m] matrix t.
      const rowBase = new Int32Array(rows);
      for (let t = 0; t < batch; t++)
        for (let i = 0; i < m; i++) rowBase[t * m + i] = t * k * m + i;
      aOp = { kind: 'packed', src: a, rowBase, colStride: m };
    }
    run({
      m: rows,
      k,
      n,
      a: aOp,
      b: bOperand(b, 0, k, n, transB, rows),
      drain: (mem, cOff, np) => drainRows(mem, cOff, np, rows, n, out, 0),
    });
    return out;
  }

  if (batch > 1 && !aBatched && bBatched && transB && m < k) {
    // Cᵀ stacked [batch·n, m] = [B_0; B_1; …] (stored [n, k] each: read in place) · op(A)ᵀ,
    // op(A)ᵀ(l, i) = op(A)(i, l): column i of it is row i of op(A).
    const rows = batch * n;
    const aT: BOperand = transA
      ? { kind: 'packed', src: a, colBase: ramp(m, 0, 1), rowStride: m }
      : { kind: 'packed', src: a, colBase: ramp(m, 0, k), rowStride: 1 };
    run({
      m: rows,
      k,
      n: m,
      a: {
        kind: 'raw',
        rowStride: k,
        colStride: 1,
        fill: (mem, off) => mem.set(b.subarray(0, rows * k), off),
      },
      b: aT,
      scratch: transposedScratch(batch, m, n),
      drain: (mem, cOff, np, sOff) => drainTransposed(mem, cOff, np, sOff, batch, m, n, out),
    });
    return out;
  }

  if (batch > 1 && !aBatched && bBatched) {
    // C [m, batch·n] = op(A) · [op(B_0) | op(B_1) | …]: column t·n + j is column j of op(B_t).
    const cols = batch * n;
    const colBase = new Int32Array(cols);
    for (let t = 0; t < batch; t++)
      for (let j = 0; j < n; j++) colBase[t * n + j] = t * k * n + (transB ? j * k : j);
    run({
      m,
      k,
      n: cols,
      a: aOperand(0),
      b: { kind: 'packed', src: b, colBase, rowStride: transB ? 1 : n },
      drain: (mem, cOff, np) => {
        for (let t = 0; t < batch; t++) {
          for (let i = 0; i < m; i++) {
            const s = cOff + i * np + t * n;
            out.set(mem.subarray(s, s + n), (t * m + i) * n);
          }
        }
      },
    });
    return out;
  }

  // One product per batch entry (both batched, or batch 1).
  for (let t = 0; t < batch; t++) {
    run({
      m,
      k,
      n,
      a: aOperand(aBatched ? t : 0),
      b: bOperand(b, bBatched ? t : 0, k, n, transB, m),
      drain: (mem, cOff, np) => drainRows(mem, cOff, np, m, n, out, t * m * n),
    });
  }
  return out;
}
