/**
 * Float32 matmul on the WebAssembly SIMD microkernel (gemm-wat.ts). The kernel reads A through
 * arbitrary strides and B through a row stride, so A·B and Aᵀ·B cost one memcpy per operand into
 * wasm memory and nothing else; only a transposed B (A·Bᵀ, the forward pass of a dense layer with
 * weights stored [out, in]) is transposed on the way in, an O(k·n) pass against the O(m·k·n)
 * product. Large products are spread over worker threads (threads.ts).
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
import type { MatmulParams } from '../backend.js';
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
 * dst[off + l·ld + j] = src[base + j·k + l] for j < n, l < k: an [n, k] matrix written as [k, n]
 * with row stride `ld`, eight source rows at a time.
 */
function transposeInto(dst: Float32Array, off: number, ld: number, src: Float32Array, base: number, n: number, k: number): void {
  for (let j0 = 0; j0 < n; j0 += 8) {
    const jEnd = Math.min(n, j0 + 8);
    for (let j = j0; j < jEnd; j++) {
      const s = base + j * k;
      let d = off + j;
      for (let l = 0; l < k; l++, d += ld) dst[d] = src[s + l];
    }
  }
}

const roundUp4 = (x: number) => (x + 3) & ~3;

/** One product C[M×N] = A·B with A(i, l) at aOff + i·aRowStride + l·aColStride and B [K×N] at bOff (row stride N). */
interface Job {
  m: number;
  k: number;
  n: number;
  aRowStride: number;
  aColStride: number;
  /** Write A and B into wasm memory at the given float offsets. */
  fill(mem: Float32Array, aOff: number, bOff: number): void;
  /** Copy C (row stride np floats, at cOff) out. */
  drain(mem: Float32Array, cOff: number, np: number): void;
}

function run(job: Job): void {
  const { m, k, n } = job;
  const g = gemmKernel();
  const mPanels = Math.ceil(m / g.mr);
  const nPanels = Math.ceil(n / g.nr);
  const mp = mPanels * g.mr;
  const np = nPanels * g.nr;
  // Float offsets of the three regions, 16-byte aligned. Each region is sized for the reads of the
  // padded rows and columns (see gemm-wat.ts), not just the operand: up to mp·k + mp floats for A
  // (either layout), k·n + np for B.
  const aOff = 0;
  const bOff = roundUp4(aOff + mp * k + mp + 4);
  const cOff = roundUp4(bOff + k * n + np + 4);
  const mem = g.reserve(cOff + mp * np);
  job.fill(mem, aOff, bOff);
  gemmThreads().gemm(aOff * 4, bOff * 4, cOff * 4, mPanels, nPanels, k, job.aRowStride * 4, job.aColStride * 4, n * 4, np * 4);
  job.drain(g.f32, cOff, np);
}

/** C rows [rows × n] at cOff (row stride np) copied to out[outBase…] contiguously. */
function drainRows(mem: Float32Array, cOff: number, np: number, rows: number, n: number, out: Float32Array, outBase: number): void {
  if (np === n) out.set(mem.subarray(cOff, cOff + rows * n), outBase);
  else for (let i = 0; i < rows; i++) out.set(mem.subarray(cOff + i * np, cOff + i * np + n), outBase + i * n);
}

export function matmulF32(a: Float32Array, b: Float32Array, p: MatmulParams): Float32Array {
  const { batch, m, k, n, transA, transB, aBatched, bBatched } = p;
  // Every element is written below (a pooled buffer is dirty), except in an empty product.
  const out = takeF32(batch * m * n);
  if (batch === 0 || m === 0 || n === 0 || k === 0) return out.fill(0);
  // A(i, l) at i·rowStride + l·colStride floats within one A matrix.
  const aRowStride = transA ? 1 : k;
  const aColStride = transA ? m : 1;
  /** op(B_t) as [k, n] at `off`, row stride ld. */
  const fillB = (mem: Float32Array, off: number, ld: number, t: number) => {
    const base = t * k * n;
    if (transB) transposeInto(mem, off, ld, b, base, n, k);
    else if (ld === n) mem.set(b.subarray(base, base + k * n), off);
    else for (let l = 0; l < k; l++) mem.set(b.subarray(base + l * n, base + (l + 1) * n), off + l * ld);
  };

  if (batch > 1 && aBatched && !bBatched) {
    // C [batch·m, n] = [op(A_0); op(A_1); …] · op(B). Transposed A matrices are transposed on the
    // way in (batch·m·k, small against the product): the kernel streams a row-major A far faster
    // than one strided by batch·m.
    const rows = batch * m;
    run({
      m: rows,
      k,
      n,
      aRowStride: k,
      aColStride: 1,
      fill: (mem, aOff, bOff) => {
        if (!transA) mem.set(a.subarray(0, rows * k), aOff);
        else for (let t = 0; t < batch; t++) transposeInto(mem, aOff + t * m * k, k, a, t * k * m, k, m);
        fillB(mem, bOff, n, 0);
      },
      drain: (mem, cOff, np) => drainRows(mem, cOff, np, rows, n, out, 0),
    });
    return out;
  }

  if (batch > 1 && !aBatched && bBatched && transB && m < k) {
    // Cᵀ stacked [batch·n, m] = [B_0; B_1; …] (stored [n, k] each: read in place) · op(A)ᵀ.
    const rows = batch * n;
    run({
      m: rows,
      k,
      n: m,
      aRowStride: k,
      aColStride: 1,
      fill: (mem, aOff, bOff) => {
        mem.set(b.subarray(0, rows * k), aOff);
        // op(A)ᵀ as [k, m]: A stored [k, m] when transposed, else [m, k] to transpose.
        if (transA) mem.set(a.subarray(0, k * m), bOff);
        else transposeInto(mem, bOff, m, a, 0, m, k);
      },
      drain: (mem, cOff, np) => {
        // out[t, i, j] = D[t·n + j, i]: D read row by row, written as m sequential streams.
        for (let t = 0; t < batch; t++) {
          const o = t * m * n;
          for (let j = 0; j < n; j++) {
            const s = cOff + (t * n + j) * np;
            for (let i = 0; i < m; i++) out[o + i * n + j] = mem[s + i];
          }
        }
      },
    });
    return out;
  }

  if (batch > 1 && !aBatched && bBatched) {
    // C [m, batch·n] = op(A) · [op(B_0) | op(B_1) | …].
    const cols = batch * n;
    run({
      m,
      k,
      n: cols,
      aRowStride,
      aColStride,
      fill: (mem, aOff, bOff) => {
        mem.set(a.subarray(0, m * k), aOff);
        for (let t = 0; t < batch; t++) fillB(mem, bOff + t * n, cols, t);
      },
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
    const aBase = aBatched ? t * m * k : 0;
    run({
      m,
      k,
      n,
      aRowStride,
      aColStride,
      fill: (mem, aOff, bOff) => {
        mem.set(a.subarray(aBase, aBase + m * k), aOff);
        fillB(mem, bOff, n, bBatched ? t : 0);
      },
      drain: (mem, cOff, np) => drainRows(mem, cOff, np, m, n, out, t * m * n),
    });
  }
  return out;
}
