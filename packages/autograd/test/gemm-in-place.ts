/**
 * Calling the fast backend's GEMM kernel directly, as matmul.ts does for a small row-major product:
 * A [m, k] at float aOff and B [k, n] at float bOff read in place, C with row stride ⌈n/NR⌉·NR.
 */
import type { GemmFn, GemmKernel } from '../src/backend/fast/wasm-module.js';

export function inPlaceGemm(kernel: GemmKernel, m: number, k: number, n: number) {
  const { mr, nr } = kernel;
  const mPanels = Math.ceil(m / mr);
  const nPanels = Math.ceil(n / nr);
  const [mp, np] = [mPanels * mr, nPanels * nr];
  /** Float offsets: A at 0, B after A's padded rows, the first free float after B's slack. */
  const bOff = mp * k + mp + 16;
  const end = bOff + k * n + np + 16;
  /** Runs `gemm` (the kernel's or a thread pool's) with C at float cOff. */
  const run = (gemm: GemmFn, cOff: number) =>
    gemm(0, bOff * 4, cOff * 4, mPanels, nPanels, k, k * 4, 4, mr * k * 4, n * 4, nr * 4, np * 4);
  return { mp, np, bOff, end, run };
}
