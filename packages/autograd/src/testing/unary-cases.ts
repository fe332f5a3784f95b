/**
 * The one table of unary ops for tests: every `UnaryOp` kernel with the parameters it is tested at,
 * the exported op that calls it, and two input ranges. The conformance table, the gradient checks
 * (autograd's test/elementwise.test.ts) and the gpu.js backend's kernel suites all read it, so a new
 * unary op is added here once.
 */
import type { UnaryOp } from '../backend/backend.js';
import type { Tensor } from '../tensor.js';
import {
  abs,
  clamp,
  exp,
  gelu,
  leakyRelu,
  log,
  neg,
  powScalar,
  reciprocal,
  relu,
  sigmoid,
  sign,
  sqrt,
  square,
  tanh,
} from '../ops/unary.js';

export interface UnaryCase {
  /** The kernel (`Backend.unary`), which is also the name of the exported op. */
  op: UnaryOp;
  /** The kernel's scalar parameters (slope, exponent, clamp bounds; 0 when unused). */
  param: number;
  param2: number;
  /** The exported op at those parameters. */
  fn: (x: Tensor) => Tensor;
  /** Kernel comparisons: wide, into the regions where the function saturates or overflows. */
  range: [number, number];
  /** Gradient checks and op conformance: where float64 central differences are accurate. */
  smoothRange: [number, number];
}

const unary = (
  op: UnaryOp,
  fn: (x: Tensor) => Tensor,
  range: [number, number],
  smoothRange: [number, number],
  param = 0,
  param2 = 0,
): UnaryCase => ({ op, param, param2, fn, range, smoothRange });

export const UNARY_CASES: readonly UnaryCase[] = [
  unary('neg', neg, [-3, 3], [-2, 2]),
  unary('exp', exp, [-20, 20], [-2, 2]),
  unary('log', log, [1e-3, 50], [0.2, 3]),
  unary('sqrt', sqrt, [1e-3, 50], [0.2, 3]),
  unary('abs', abs, [-3, 3], [-2, 2]),
  unary('tanh', tanh, [-30, 30], [-2, 2]),
  unary('sigmoid', sigmoid, [-40, 40], [-4, 4]),
  unary('relu', relu, [-3, 3], [-2, 2]),
  unary('leakyRelu', (x) => leakyRelu(x, 0.1), [-3, 3], [-2, 2], 0.1),
  unary('gelu', gelu, [-6, 6], [-3, 3]),
  unary('powScalar', (x) => powScalar(x, 3), [-2, 2], [-2, 2], 3),
  unary('powScalar', (x) => powScalar(x, 2.5), [0, 3], [0.2, 2], 2.5),
  unary('powScalar', (x) => powScalar(x, 0), [-2, 2], [-2, 2], 0),
  unary('clamp', (x) => clamp(x, -0.5, 0.25), [-1, 1], [-2, 2], -0.5, 0.25),
  unary('square', square, [-3, 3], [-2, 2]),
  unary('reciprocal', reciprocal, [0.1, 4], [0.5, 2]),
  unary('sign', sign, [-3, 3], [-2, 2]),
];

/** A short label: the op and any parameters it takes ('leakyRelu(0.1)', 'clamp(-0.5, 0.25)'). */
export function unaryLabel(c: UnaryCase): string {
  if (c.op === 'clamp') return `clamp(${c.param}, ${c.param2})`;
  if (c.op === 'leakyRelu' || c.op === 'powScalar') return `${c.op}(${c.param})`;
  return c.op;
}
