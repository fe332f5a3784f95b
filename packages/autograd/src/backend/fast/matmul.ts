/**
 * Float32 matmul on the WebAssembly SIMD microkernel (gemm-wat.ts). Both operands are packed into
 * panels in wasm memory; the packing reads a transposed operand along its contiguous axis, so every
 * transpose variant runs the same kernel at the same speed. The inner dimension is blocked by KC so
 * that a block of packed A and B stays in L2 however large k is.
 */
import type { MatmulParams } from '../backend.js';
import { GemmKernel } from './wasm-module.js';

const KC = 256;

let kernel: GemmKernel | undefined;
/** The shared kernel instance (created on first use so that importing costs only the assembly). */
export function gemmKernel(): GemmKernel {
  return (kernel ??= new GemmKernel());
}

/**
 * Packs rows [0, m) × columns [k0, k0 + kc) of op(A) into MR-row panels at dst[off...], zero-padding
 * the last panel. op(A)(i, l) lives at a[base + i·rowStride + l·colStride].
 */
function packPanels(
  dst: Float32Array,
  off: number,
  src: Float32Array,
  base: number,
  rowStride: number,
  colStride: number,
  rows: number,
  k0: number,
  kc: number,
  width: number,
): void {
  const panels = Math.ceil(rows / width);
  for (let p = 0; p < panels; p++) {
    const first = p * width;
    const full = Math.min(width, rows - first);
    const pBase = off + p * kc * width;
    if (colStride === 1) {
      // Each row is contiguous along l: read along it, write with stride `width`.
      for (let r = 0; r < full; r++) {
        const s = base + (first + r) * rowStride + k0;
        let d = pBase + r;
        for (let l = 0; l < kc; l++, d += width) dst[d] = src[s + l];
      }
    } else {
      // Transposed storage: rows are contiguous for fixed l.
      for (let l = 0; l < kc; l++) {
        const s = base + (k0 + l) * colStride + first * rowStride;
        const d = pBase + l * width;
        for (let r = 0; r < full; r++) dst[d + r] = src[s + r * rowStride];
      }
    }
    if (full < width) {
      for (let l = 0; l < kc; l++) {
        const d = pBase + l * width;
        for (let r = full; r < width; r++) dst[d + r] = 0;
      }
    }
  }
}

export function matmulF32(a: Float32Array, b: Float32Array, p: MatmulParams): Float32Array {
  const { batch, m, k, n, transA, transB, aBatched, bBatched } = p;
  const out = new Float32Array(batch * m * n);
  if (m === 0 || n === 0) return out;
  if (k === 0) return out;
  const g = gemmKernel();
  const { mr, nr } = g;
  const mPanels = Math.ceil(m / mr);
  const nPanels = Math.ceil(n / nr);
  const mp = mPanels * mr;
  const np = nPanels * nr;
  const kcMax = Math.min(k, KC);
  // Float offsets in wasm memory; every region starts 16-byte aligned (mp, np are multiples of 4).
  const aOff = 0;
  const bOff = aOff + mp * kcMax;
  const cOff = bOff + np * kcMax;
  const mem = g.reserve(cOff + mp * np);
  // op(A)(i, l) = a[i·aRow + l·aCol]; op(B)ᵀ(j, l) = B(l, j) = b[j·bCol' + l·bRow'] — B is packed as the
  // transpose of its own panels, so it uses the same routine with rows = n.
  const aRow = transA ? 1 : k;
  const aCol = transA ? m : 1;
  const bRowOfT = transB ? k : 1; // stride between consecutive j
  const bColOfT = transB ? 1 : n; // stride between consecutive l
  for (let t = 0; t < batch; t++) {
    const aBase = aBatched ? t * m * k : 0;
    const bBase = bBatched ? t * k * n : 0;
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = Math.min(KC, k - k0);
      packPanels(mem, aOff, a, aBase, aRow, aCol, m, k0, kc, mr);
      packPanels(mem, bOff, b, bBase, bRowOfT, bColOfT, n, k0, kc, nr);
      g.gemm(aOff * 4, bOff * 4, cOff * 4, mPanels, nPanels, kc, np * 4, k0 === 0 ? 0 : 1);
    }
    const cBase = t * m * n;
    for (let i = 0; i < m; i++) out.set(mem.subarray(cOff + i * np, cOff + i * np + n), cBase + i * n);
  }
  return out;
}
