/**
 * The scalar definition of every element-wise function of one argument: its value and its
 * derivative side by side. CPU backends run these directly; other backends must agree with them
 * (the conformance suite checks).
 *
 * `derivative(x, y, p, p2)` returns f'(x) given y = f(x); using y saves work for exp, tanh, sigmoid.
 */
import type { UnaryOp } from '../backend/backend.js';
import { erf } from './erf.js';

export interface UnaryFunction {
  value(x: number, p: number, p2: number): number;
  derivative(x: number, y: number, p: number, p2: number): number;
}

const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export const UNARY_FUNCTIONS: Record<UnaryOp, UnaryFunction> = {
  neg: { value: (x) => -x, derivative: () => -1 },
  exp: { value: (x) => Math.exp(x), derivative: (_x, y) => y },
  log: { value: (x) => Math.log(x), derivative: (x) => 1 / x },
  sqrt: { value: (x) => Math.sqrt(x), derivative: (_x, y) => 0.5 / y },
  // d|x|/dx at 0 is taken as 0, as PyTorch does.
  abs: { value: (x) => Math.abs(x), derivative: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0) },
  tanh: { value: (x) => Math.tanh(x), derivative: (_x, y) => 1 - y * y },
  sigmoid: {
    // Two branches so that exp never overflows.
    value: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
    derivative: (_x, y) => y * (1 - y),
  },
  // NaN propagates through relu and its gradient (as in PyTorch and TF.js): a NaN silently turned
  // into 0 here would hide a diverged step from anomaly detection.
  relu: {
    value: (x) => (x <= 0 ? 0 : x),
    derivative: (x) => (x > 0 ? 1 : x <= 0 ? 0 : NaN),
  },
  leakyRelu: {
    value: (x, slope) => (x > 0 ? x : slope * x),
    derivative: (x, _y, slope) => (x > 0 ? 1 : slope),
  },
  // GELU(x) = x Φ(x) with the exact normal CDF Φ(x) = ½(1 + erf(x/√2)), PyTorch's default.
  gelu: {
    value: (x) => 0.5 * x * (1 + erf(x * INV_SQRT_2)),
    derivative: (x) => 0.5 * (1 + erf(x * INV_SQRT_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
  },
  powScalar: {
    value: (x, e) => Math.pow(x, e),
    derivative: (x, _y, e) => (e === 0 ? 0 : e * Math.pow(x, e - 1)),
  },
  // Gradient 1 inside [min, max] (boundaries included, as PyTorch), 0 outside.
  clamp: {
    value: (x, lo, hi) => (x < lo ? lo : x > hi ? hi : x),
    derivative: (x, _y, lo, hi) => (x >= lo && x <= hi ? 1 : 0),
  },
  square: { value: (x) => x * x, derivative: (x) => 2 * x },
  reciprocal: { value: (x) => 1 / x, derivative: (_x, y) => -y * y },
  sign: { value: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), derivative: () => 0 },
};
