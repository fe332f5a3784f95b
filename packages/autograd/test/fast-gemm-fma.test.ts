/**
 * The GEMM kernel's fused multiply-add (relaxed SIMD, wasm-module.ts): Node 20 gets it switched on,
 * the fused kernel really rounds once per multiply-add, and both it and the plain-SIMD fallback
 * (engines without relaxed SIMD) match a float64 product to float32 rounding.
 */
import { describe, expect, it } from 'vitest';
import { GemmKernel, relaxedSimd } from '../src/backend/fast/wasm-module.js';
import { inPlaceGemm } from './gemm-in-place.js';

/** C = A·B for m×k A and k×n B (row-major), through the kernel with both operands read in place. */
function gemm(
  kernel: GemmKernel,
  a: readonly number[],
  b: readonly number[],
  m: number,
  k: number,
  n: number,
) {
  const { np, bOff, end, run } = inPlaceGemm(kernel, m, k, n);
  const mem = kernel.reserve(end + Math.ceil(m / kernel.mr) * kernel.mr * np);
  mem.fill(0, 0, end);
  mem.set(a, 0);
  mem.set(b, bOff);
  run(kernel.gemm, end);
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) c.set(kernel.f32.subarray(end + i * np, end + i * np + n), i * n);
  return c;
}

describe('fast backend: fused multiply-add in the GEMM kernel', () => {
  it('is switched on in Node 20 (the V8 flag is set before the kernel compiles)', () => {
    expect(relaxedSimd).toBe(true);
    expect(new GemmKernel().fma).toBe(true);
  });

  it('rounds once per multiply-add when fused, twice when not', () => {
    // C = −(1 + 2⁻¹¹)·1 + a·a with a = 1 + 2⁻¹²: a·a = 1 + 2⁻¹¹ + 2⁻²⁴ exactly, which rounds to
    // 1 + 2⁻¹¹ on its own (so 0 unfused) but survives as 2⁻²⁴ in one fused rounding.
    const x = 1 + 2 ** -12;
    const args = [[-(1 + 2 ** -11), x], [1, x], 1, 2, 1] as const;
    expect(gemm(new GemmKernel(undefined, undefined, true), ...args)[0]).toBe(2 ** -24);
    expect(gemm(new GemmKernel(undefined, undefined, false), ...args)[0]).toBe(0);
  });

  for (const fma of [true, false]) {
    it(`${fma ? 'fused' : 'plain SIMD'}: matches the float64 product to float32 rounding`, () => {
      const [m, k, n] = [37, 300, 29];
      const a = Array.from({ length: m * k }, (_, i) => Math.sin(i));
      const b = Array.from({ length: k * n }, (_, i) => Math.cos(0.7 * i));
      const got = gemm(new GemmKernel(undefined, undefined, fma), a, b, m, k, n);
      let worst = 0;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let want = 0;
          for (let l = 0; l < k; l++) want += Math.fround(a[i * k + l]) * Math.fround(b[l * n + j]);
          worst = Math.max(worst, Math.abs(got[i * n + j] - want));
        }
      }
      // k float32 roundings of sums of order √k: well under 1e-4·√k; a wrong row or column is O(1).
      expect(worst).toBeLessThan(1e-4 * Math.sqrt(k));
    });
  }
});
