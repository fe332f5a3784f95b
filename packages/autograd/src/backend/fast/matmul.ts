/**
 * Float32 matmul on the WebAssembly SIMD microkernel (gemm-wat.ts). The kernel reads A through
 * arbitrary strides and B through a row stride, so A·B and Aᵀ·B cost one memcpy per operand into
 * wasm memory and nothing else; only a transposed B (A·Bᵀ, the forward pass of a dense layer with
 * weights stored [out, in]) is transposed on the way in, an O(k·n) pass against the O(m·k·n)
 * product. Large products are spread over worker threads (threads.ts).
 */
import type { MatmulParams } from '../backend.js';
import { GemmKernel } from './wasm-module.js';
import { GemmThreads } from './threads.js';

let kernel: GemmKernel | undefined;
let threads: GemmThreads | undefined;
/** The shared kernel instance and its threads (created on first use, so importing costs only the assembly). */
export function gemmKernel(): GemmKernel {
  return (kernel ??= new GemmKernel());
}
function gemmThreads(): GemmThreads {
  return (threads ??= new GemmThreads(gemmKernel()));
}

/** dst[off + l·n + j] = src[base + j·k + l]: B stored [n, k] rewritten as [k, n], eight rows at a time. */
function transposeInto(dst: Float32Array, off: number, src: Float32Array, base: number, n: number, k: number): void {
  for (let j0 = 0; j0 < n; j0 += 8) {
    const jEnd = Math.min(n, j0 + 8);
    for (let j = j0; j < jEnd; j++) {
      const s = base + j * k;
      let d = off + j;
      for (let l = 0; l < k; l++, d += n) dst[d] = src[s + l];
    }
  }
}

const roundUp4 = (x: number) => (x + 3) & ~3;

export function matmulF32(a: Float32Array, b: Float32Array, p: MatmulParams): Float32Array {
  const { batch, m, k, n, transA, transB, aBatched, bBatched } = p;
  const out = new Float32Array(batch * m * n);
  if (m === 0 || n === 0 || k === 0) return out;
  const g = gemmKernel();
  const { mr, nr } = g;
  const mPanels = Math.ceil(m / mr);
  const nPanels = Math.ceil(n / nr);
  const mp = mPanels * mr;
  const np = nPanels * nr;
  // Float offsets of the three regions, 16-byte aligned. Each region is sized for the reads of the
  // padded rows and columns (see gemm-wat.ts), not just the operand: up to mp·k + mp floats for A
  // (either layout), k·n + np for B.
  const aOff = 0;
  const bOff = roundUp4(aOff + mp * k + mp + 4);
  const cOff = roundUp4(bOff + k * n + np + 4);
  const mem = g.reserve(cOff + mp * np);
  // A(i, l) at i·rowStride + l·colStride floats.
  const aRowStride = transA ? 1 : k;
  const aColStride = transA ? m : 1;
  for (let t = 0; t < batch; t++) {
    const aBase = aBatched ? t * m * k : 0;
    const bBase = bBatched ? t * k * n : 0;
    if (t === 0 || aBatched) mem.set(a.subarray(aBase, aBase + m * k), aOff);
    if (t === 0 || bBatched) {
      if (transB) transposeInto(mem, bOff, b, bBase, n, k);
      else mem.set(b.subarray(bBase, bBase + k * n), bOff);
    }
    gemmThreads().gemm(aOff * 4, bOff * 4, cOff * 4, mPanels, nPanels, k, aRowStride * 4, aColStride * 4, n * 4, np * 4);
    const cBase = t * m * n;
    for (let i = 0; i < m; i++) out.set(mem.subarray(cOff + i * np, cOff + i * np + n), cBase + i * n);
  }
  return out;
}
