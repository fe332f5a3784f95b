/**
 * Float32 matmul on the WebAssembly SIMD microkernel (gemm-wat.ts), which works in the backend's
 * shared wasm memory (wasm-memory.ts), where the tensors live. Operands are packed into contiguous
 * panels in kernel scratch where that pays (see AOperand/BOperand below: a transposed A, any B of a
 * product with enough rows, and both for wide products), so every transpose variant streams
 * consecutive memory at n = 1024; a small row-major operand is read where it is. C is written
 * straight into the result's storage when its rows need no padding, else drained into it. Only an
 * operand that lives outside the memory (a user's array, a reference kernel's output) is copied in
 * first. Large products are spread over worker threads (threads.ts).
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
import { backendThreads, gemmKernel } from './threads.js';
import { takeF32 } from './buffer-pool.js';
import { ensureMemory, memoryF32, residentOffset, withScratch } from './wasm-memory.js';

/** An operand stored contiguously: `length` floats of `src` from element `base`. */
interface Stored {
  src: Float32Array;
  base: number;
  length: number;
}
const stored = (src: Float32Array, base: number, length: number): Stored => ({ src, base, length });

/** The float offset of a stored operand in wasm memory, or -1 when it lives outside it. */
function inPlace(d: Stored): number {
  const at = residentOffset(d.src);
  return at < 0 ? -1 : at / 4 + d.base;
}

/**
 * How the kernel gets an operand (each 'raw' or 'staged' one is read where it lives, or copied
 * into scratch first with one memcpy when it lives outside wasm memory):
 * - A 'raw': read as stored, through strides: A(i, l) at
 *   i·rowStride + l·colStride floats (used for a row-major A, colStride 1, whose rows stream well);
 * - A 'packed': rows written into contiguous [k][MR] panels, so every A read is sequential (a
 *   transposed A, which read in place jumps a whole row of storage per inner index);
 * - B 'packed': columns written into contiguous [k][NR] panels (GotoBLAS): one micro-panel is
 *   8 KiB of consecutive floats, where in place it would be KC rows a full row of B apart (4 KiB at
 *   n = 1024: every row in the same L1 set) or, transposed, not even contiguous;
 * - B 'raw': read as stored, row-major [k, n] (small products, where packing would cost more
 *   than it saves);
 * - B 'staged': packed into [k][NR] panels by a wasm SIMD kernel of the GEMM module: `packRows` for a row-major B, `transpose` (whole
 *   panels as 4×4 blocks) for a B stored transposed, [n, k]. The JavaScript packing loop moves one
 *   float per iteration; this is what a single B (a layer's weights) takes;
 * - A 'staged': a row-major A packed into [k][MR] panels by `transpose`.
 * Packing reads each operand element once (O(m·k + k·n) against the O(m·k·n) product).
 */
type AOperand =
  | { kind: 'raw'; data: Stored; rowStride: number; colStride: number }
  /** A(i, l) = src[rowBase[i] + l·colStride]. */
  | { kind: 'packed'; src: Float32Array; rowBase: Int32Array; colStride: number }
  /** A stored row-major [m, k]. */
  | { kind: 'staged'; data: Stored };
type BOperand =
  | { kind: 'raw'; data: Stored }
  /** B stored row-major [k, n] ('rows') or as its transpose [n, k] ('columns'). */
  | { kind: 'staged'; layout: 'rows' | 'columns'; data: Stored }
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
  /** Where C goes, row-major [m, n]: written there directly when its rows need no padding. */
  into?: Stored;
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
  const a = job.a;
  const b = job.b;
  // Operands and C read or written where they are (float offsets in the memory, or -1).
  const aAt = a.kind === 'packed' ? -1 : inPlace(a.data);
  const bAt = b.kind === 'packed' ? -1 : inPlace(b.data);
  const cAt = job.into && mp === m && np === n ? inPlace(job.into) : -1;
  // Scratch regions (float offsets from the scratch block's start, 16-byte aligned). A raw
  // operand's region is sized for the reads of the padded rows and columns (see gemm-wat.ts): up
  // to mp·k + mp floats for A (either layout), k·n + np for B; a packed one is exactly mp·k or k·np
  // (⌈k/4⌉·4·mp or ⌈k/4⌉·4·np when transposed in wasm, whose panels are whole blocks of four rows).
  // A raw operand read in place needs no region.
  const aLen = a.kind === 'raw' && aAt >= 0 ? 0 : roundUp4(k) * mp + mp + 4;
  const bLen = b.kind === 'raw' && bAt >= 0 ? 0 : Math.max(k * n + np, roundUp4(k) * np) + 4;
  const aOff = 0;
  const bOff = roundUp4(aOff + aLen);
  const cOff = roundUp4(bOff + bLen);
  // Scratch after C (three rows of slack first: the transposed drain reads past C): the drain's,
  // or, before the product, a staged A's and then a staged B's copy when it lives outside the
  // memory (their packing reads up to a panel past the end of the operand).
  const cLen = cAt >= 0 ? 0 : mp * np + 3 * np + 4;
  const sOff = roundUp4(cOff + cLen);
  const stagedA = a.kind === 'staged' && aAt < 0 ? mp * k + 4 : 0;
  const stagedB = b.kind === 'staged' && bAt < 0 ? np * k + 4 : 0;
  const tail = Math.max(job.scratch ?? 0, stagedA, stagedB);
  // An operand read in place is read up to the same bounds past its end: those bytes must exist.
  if (aAt >= 0) ensureMemory((aAt + roundUp4(k) * mp + mp + 4) * 4);
  if (bAt >= 0) ensureMemory((bAt + Math.max(k * n + np, roundUp4(k) * np) + 4) * 4);
  withScratch((sOff + tail) * 4, (scratchByte) => {
    const base = scratchByte / 4;
    const mem = memoryF32();
    /** The operand's float offset: where it lives, or its copy at `copyAt`. */
    const place = (d: Stored, at: number, copyAt: number) => {
      if (at >= 0) return at;
      mem.set(d.src.subarray(d.base, d.base + d.length), copyAt);
      return copyAt;
    };
    let aRowStride: number, aColStride: number, aPanelStride: number;
    let aStart = base + aOff;
    if (a.kind === 'raw') {
      aStart = place(a.data, aAt, aStart);
      [aRowStride, aColStride, aPanelStride] = [
        a.rowStride * 4,
        a.colStride * 4,
        mr * a.rowStride * 4,
      ];
    } else if (a.kind === 'staged') {
      // Panel p is rows p·MR… of A, transposed: matrix p of a stacked transpose.
      const src = place(a.data, aAt, base + sOff);
      backendThreads().transpose(src * 4, aStart * 4, mPanels, k, mr, k * 4, mr * 4);
      [aRowStride, aColStride, aPanelStride] = [4, mr * 4, roundUp4(k) * mr * 4];
    } else {
      packA(mem, aStart, mr, m, k, a.src, a.rowBase, a.colStride);
      [aRowStride, aColStride, aPanelStride] = [4, mr * 4, k * mr * 4];
    }
    let ldb: number, bPanelStride: number;
    let bStart = base + bOff;
    if (b.kind === 'raw') {
      bStart = place(b.data, bAt, bStart);
      [ldb, bPanelStride] = [n * 4, nr * 4];
    } else if (b.kind === 'staged') {
      const src = place(b.data, bAt, base + sOff);
      ldb = nr * 4;
      if (b.layout === 'rows') {
        backendThreads().packRows(src * 4, bStart * 4, nPanels, k, n * 4);
        bPanelStride = k * nr * 4;
      } else {
        // Panel q is rows q·NR… of the stored [n, k] B, transposed: matrix q of a stacked transpose.
        backendThreads().transpose(src * 4, bStart * 4, nPanels, k, nr, k * 4, nr * 4);
        bPanelStride = roundUp4(k) * nr * 4;
      }
    } else {
      packB(mem, bStart, nr, n, k, b.src, b.colBase, b.rowStride);
      [ldb, bPanelStride] = [nr * 4, k * nr * 4];
    }
    const cStart = cAt >= 0 ? cAt : base + cOff;
    backendThreads().gemm(
      aStart * 4,
      bStart * 4,
      cStart * 4,
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
    if (cAt < 0) job.drain(mem, cStart, np, base + sOff);
  });
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
  const outAt = residentOffset(out);
  if (outAt >= 0 && n4 === n && m4 === m) {
    // The result's storage is in the memory and needs no padding: the transpose writes it there.
    backendThreads().transpose(cOff * 4, outAt, batch, m, n, np * 4, n * 4);
    return;
  }
  backendThreads().transpose(cOff * 4, sOff * 4, batch, m, n, np * 4, n4 * 4);
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
 * op(B_t) for one matrix t, as a B operand of the kernel: packed (staged, in wasm) when stored
 * transposed (it has to be rearranged anyway) or when m is large enough to repay the packing, else
 * copied raw.
 */
function bOperand(
  b: Float32Array,
  t: number,
  k: number,
  n: number,
  transB: boolean,
  m: number,
): BOperand {
  const data = stored(b, t * k * n, k * n);
  if (transB) return { kind: 'staged', layout: 'columns', data };
  if (m >= PACK_B_MIN_ROWS) return { kind: 'staged', layout: 'rows', data };
  return { kind: 'raw', data };
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
    const data = stored(a, base, m * k);
    // (Staged A panels are whole 4×4 blocks of the transpose: MR must be a multiple of 4.)
    if (n >= PACK_A_MIN_COLS && m >= PACK_A_MIN_ROWS && gemmKernel().mr % 4 === 0)
      return { kind: 'staged', data };
    return { kind: 'raw', data, rowStride: k, colStride: 1 };
  };

  if (batch > 1 && aBatched && !bBatched) {
    // C [batch·m, n] = [op(A_0); op(A_1); …] · op(B).
    const rows = batch * m;
    let aOp: AOperand;
    if (!transA) aOp = { kind: 'raw', data: stored(a, 0, rows * k), rowStride: k, colStride: 1 };
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
      into: stored(out, 0, rows * n),
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
      a: { kind: 'raw', data: stored(b, 0, rows * k), rowStride: k, colStride: 1 },
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
      into: stored(out, t * m * n, m * n),
      drain: (mem, cOff, np) => drainRows(mem, cOff, np, m, n, out, t * m * n),
    });
  }
  return out;
}
