/**
 * Shared test helpers: float64 random tensors and gradient-check assertions. Compare arrays with
 * expect(actual).toBeAllClose(expected, { rtol, atol }) (test-support/matchers.ts).
 */
import { expect } from 'vitest';
import {
  gradcheck,
  Generator,
  tensor,
  type Conv2dGeometry,
  type Tensor,
  type GradcheckOptions,
} from '../src/index.js';

export function rand64(shape: number[], seed: number, low = -1, high = 1): Tensor {
  const rng = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Array.from({ length: n }, () => low + (high - low) * rng.uniform()),
    shape,
    { dtype: 'float64' },
  );
}

/** Asserts that the analytic gradients of f match float64 central differences. */
export function expectGradientsMatch(
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  options?: GradcheckOptions,
): void {
  const result = gradcheck(f, inputs, options);
  expect(result.failures, result.failures.join('\n')).toEqual([]);
}

/** The window geometry of x [n, c, h, w] under kernel k, stride s and padding p (as windowGeometry). */
export function geometry(
  n: number,
  c: number,
  h: number,
  w: number,
  k: [number, number],
  s: [number, number],
  p: [number, number],
): Conv2dGeometry {
  const outH = Math.floor((h + 2 * p[0] - k[0]) / s[0]) + 1;
  const outW = Math.floor((w + 2 * p[1] - k[1]) / s[1]) + 1;
  return {
    n,
    c,
    h,
    w,
    kh: k[0],
    kw: k[1],
    strideH: s[0],
    strideW: s[1],
    padH: p[0],
    padW: p[1],
    outH,
    outW,
  };
}
