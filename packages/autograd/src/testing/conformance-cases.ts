/**
 * The conformance table: one row per op case. Each case names the exported ops it exercises
 * (`covers`), the shapes and value ranges of its inputs, and a function of those inputs. The runner
 * (conformance.ts) evaluates every case on a backend and on the reference, in float32, and compares
 * the outputs and the gradients of every differentiable input; every backend package runs it
 * (backend-wasm's test/conformance/ops.test.ts, the gpu.js backend's test/conformance.test.ts).
 * To cover a new op, add a row here (unary ops: unary-cases.ts); autograd's coverage test fails
 * until every function exported from src/ops is covered.
 */
import {
  Generator,
  Tensor,
  add,
  avgPool2d,
  broadcastTo,
  cast,
  cat,
  concat,
  conv2d,
  crossEntropy,
  div,
  dropout,
  eq,
  expand,
  finiteProbe,
  flatten,
  gather,
  ge,
  gt,
  indexSelect,
  le,
  linear,
  logSoftmax,
  logsumexp,
  lt,
  matmul,
  max,
  maximum,
  maxPool2d,
  mean,
  min,
  minimum,
  mseLoss,
  mul,
  narrow,
  ne,
  nllLoss,
  oneHot,
  permute,
  pow,
  relu,
  reshape,
  slice,
  softmax,
  squeeze,
  stack,
  sub,
  sum,
  sumToShape,
  t,
  tensor,
  transpose,
  unsqueeze,
  variance,
  where,
} from '../index.js';
import { UNARY_CASES, unaryLabel } from './unary-cases.js';

export interface InputSpec {
  shape: number[];
  /** Values are uniform in [low, high); default [-1, 1). */
  low?: number;
  high?: number;
  /** False for inputs that are not differentiated (default true). */
  grad?: boolean;
}

export interface OpCase {
  name: string;
  /** Names of the exported ops this case exercises. */
  covers: string[];
  inputs: InputSpec[];
  fn: (...xs: Tensor[]) => Tensor;
  /** Relative tolerance (scaled by the magnitude of the reference values); default 1e-4. */
  tol?: number;
  /** The case computes in float64 on the way: a backend without float64 (gpu.js) skips it. */
  float64?: boolean;
}

const s = (shape: number[], low = -1, high = 1, grad = true): InputSpec => ({
  shape,
  low,
  high,
  grad,
});
const positive = (shape: number[]) => s(shape, 0.5, 2);
const labels7 = Int32Array.from([3, 0, 6, 6, 1]);

// Every unary op of the shared table, and relu once more at a size past the fast paths' blocks.
const unaryCases: OpCase[] = [
  ...UNARY_CASES.map((c) => ({
    name: `${unaryLabel(c)} [3,5]`,
    covers: [c.op],
    inputs: [s([3, 5], ...c.smoothRange)],
    fn: c.fn,
  })),
  { name: 'relu [33,257]', covers: ['relu'], inputs: [s([33, 257])], fn: relu },
];

const binaryOps = { add, sub, mul, div } as const;
const broadcastPairs: [number[], number[]][] = [
  [
    [4, 7],
    [4, 7],
  ],
  [[4, 7], [7]], // bias row
  [[7], [4, 7]],
  [
    [4, 7],
    [1, 7],
  ],
  [
    [4, 7],
    [4, 1],
  ], // column
  [[4, 7], []], // scalar
  [[], [4, 7]],
  [
    [3, 1, 5],
    [2, 5],
  ], // both broadcast
  [[65, 129], [129]],
];
const binaryCases: OpCase[] = Object.entries(binaryOps).flatMap(([name, f]) =>
  broadcastPairs.map(([as, bs]) => ({
    name: `${name} ${JSON.stringify(as)} ${JSON.stringify(bs)}`,
    covers: [name],
    // Division by values in [0.5, 2) keeps the quotient and its gradient well conditioned.
    inputs: [s(as), name === 'div' ? positive(bs) : s(bs)],
    fn: f,
  })),
);

const comparisonCases: OpCase[] = (
  [
    ['eq', eq],
    ['ne', ne],
    ['gt', gt],
    ['ge', ge],
    ['lt', lt],
    ['le', le],
  ] as const
).map(([name, f]) => ({
  name: `${name} (a with itself rounded, so equality occurs)`,
  covers: [name],
  inputs: [s([4, 6], -2, 2, false)],
  fn: (a: Tensor) => f(a, a.mul(2).tanh().sign()),
}));

export const CASES: OpCase[] = [
  ...unaryCases,
  ...binaryCases,
  { name: 'pow', covers: ['pow'], inputs: [positive([3, 4]), s([4])], fn: pow },
  { name: 'maximum', covers: ['maximum'], inputs: [s([3, 4]), s([4])], fn: maximum },
  { name: 'minimum', covers: ['minimum'], inputs: [s([3, 4]), s([3, 1])], fn: minimum },
  ...comparisonCases,
  {
    name: 'where',
    covers: ['where', 'gt'],
    inputs: [s([3, 4]), s([3, 4]), s([4])],
    fn: (c, a, b) => where(gt(c, 0), a, b),
  },
  // Reductions
  { name: 'sum all', covers: ['sum'], inputs: [s([5, 6])], fn: (x) => sum(x) },
  // finiteProbe: 0 for finite values; NaN for a NaN (∞ − ∞, with ∞ = 1e30²) first or an
  // infinity last, where an odd size leaves it outside the four-lane vectors. The NaN is not made
  // as log(−1): GLSL leaves the log of a negative number undefined (SwiftShader gives a finite
  // value), so on gpu.js WebGL that would test the log, not the probe.
  {
    name: 'finiteProbe, all finite',
    covers: ['finiteProbe'],
    inputs: [s([67, 65])],
    fn: finiteProbe,
  },
  {
    name: 'finiteProbe, a NaN first',
    covers: ['finiteProbe'],
    inputs: [s([67, 65])],
    fn: (x) => {
      const infinity = sum(x).mul(0).add(1e30).mul(1e30);
      return finiteProbe(cat([reshape(infinity.sub(infinity), [1]), reshape(x, [-1])]));
    },
  },
  {
    name: 'finiteProbe, an infinity last',
    covers: ['finiteProbe'],
    inputs: [s([67, 64])],
    fn: (x) =>
      finiteProbe(cat([reshape(x, [-1]), reshape(sum(x).mul(0).add(1e30).mul(1e30), [1])])),
  },
  {
    name: 'sum axis 0 (bias gradient)',
    covers: ['sum'],
    inputs: [s([129, 33])],
    fn: (x) => sum(x, 0),
  },
  { name: 'sum axis 1 keepdim', covers: ['sum'], inputs: [s([7, 33])], fn: (x) => sum(x, 1, true) },
  { name: 'sum middle axis of 3-D', covers: ['sum'], inputs: [s([3, 4, 5])], fn: (x) => sum(x, 1) },
  {
    name: 'sum axes [0, 1] of 3-D',
    covers: ['sum'],
    inputs: [s([3, 4, 5])],
    fn: (x) => sum(x, [0, 1]),
  },
  { name: 'mean', covers: ['mean'], inputs: [s([4, 5])], fn: (x) => mean(x, 1) },
  { name: 'max', covers: ['max'], inputs: [s([4, 5])], fn: (x) => max(x, 0) },
  { name: 'min', covers: ['min'], inputs: [s([4, 5])], fn: (x) => min(x, [1], true) },
  {
    name: 'logsumexp',
    covers: ['logsumexp'],
    inputs: [s([4, 5], -3, 3)],
    fn: (x) => logsumexp(x, 1),
  },
  { name: 'variance', covers: ['variance'], inputs: [s([4, 5])], fn: (x) => variance(x, 0) },
  // Shape and layout
  {
    name: 'reshape',
    covers: ['reshape'],
    inputs: [s([4, 6])],
    fn: (x) => reshape(x, [3, -1]).mul(x.reshape([3, 8])),
  },
  { name: 'flatten', covers: ['flatten'], inputs: [s([2, 3, 4])], fn: (x) => flatten(x).exp() },
  {
    name: 'squeeze/unsqueeze',
    covers: ['squeeze', 'unsqueeze'],
    inputs: [s([3, 1, 4])],
    fn: (x) => unsqueeze(squeeze(x, 1), 0).exp(),
  },
  {
    name: 'expand',
    covers: ['expand'],
    inputs: [s([3, 1])],
    fn: (x) => expand(x, [2, 3, 4]).exp(),
  },
  {
    name: 'broadcastTo',
    covers: ['broadcastTo'],
    inputs: [s([1, 4])],
    fn: (x) => broadcastTo(x, [3, 4]).exp(),
  },
  {
    name: 'sumToShape',
    covers: ['sumToShape'],
    inputs: [s([3, 4])],
    fn: (x) => sumToShape(x.exp(), [1, 4]),
  },
  {
    name: 'permute',
    covers: ['permute'],
    inputs: [s([2, 3, 4])],
    fn: (x) => permute(x, [2, 0, 1]).exp(),
  },
  {
    name: 'transpose',
    covers: ['transpose'],
    inputs: [s([2, 3, 4])],
    fn: (x) => transpose(x, 0, 2).exp(),
  },
  { name: 't', covers: ['t'], inputs: [s([3, 5])], fn: (x) => t(x).exp() },
  {
    name: 'slice',
    covers: ['slice'],
    inputs: [s([5, 6])],
    fn: (x) => slice(x, [1, 2], [4, 5]).exp(),
  },
  { name: 'narrow', covers: ['narrow'], inputs: [s([5, 6])], fn: (x) => narrow(x, 1, 2, 3).exp() },
  {
    name: 'cat',
    covers: ['cat', 'concat'],
    inputs: [s([2, 3]), s([4, 3])],
    fn: (a, b) => cat([a, b], 0).add(concat([a.exp(), b], 0)),
  },
  {
    name: 'stack',
    covers: ['stack'],
    inputs: [s([2, 3]), s([2, 3])],
    fn: (a, b) => stack([a, b], 1).exp(),
  },
  {
    name: 'indexSelect',
    covers: ['indexSelect'],
    inputs: [s([5, 3])],
    fn: (x) => indexSelect(x, 0, [4, 0, 4, 2]).exp(),
  },
  {
    name: 'gather',
    covers: ['gather'],
    inputs: [s([3, 4])],
    fn: (x) => gather(x, 1, tensor([0, 3, 1, 1, 2, 0], [3, 2])).exp(),
  },
  { name: 'oneHot', covers: ['oneHot'], inputs: [s([5, 7])], fn: (x) => oneHot(labels7, 7).mul(x) },
  // Linear algebra
  ...[false, true].flatMap((transposeA) =>
    [false, true].map((transposeB): OpCase => ({
      name: `matmul transposeA=${transposeA} transposeB=${transposeB}`,
      covers: ['matmul'],
      inputs: [s(transposeA ? [33, 7] : [7, 33]), s(transposeB ? [9, 33] : [33, 9])],
      fn: (a, b) => matmul(a, b, { transposeA, transposeB }),
    })),
  ),
  {
    name: 'matmul batched',
    covers: ['matmul'],
    inputs: [s([3, 5, 6]), s([3, 6, 7])],
    fn: (a, b) => matmul(a, b),
  },
  {
    name: 'matmul batch-broadcast B',
    covers: ['matmul'],
    inputs: [s([3, 5, 6]), s([6, 7])],
    fn: (a, b) => matmul(a, b),
  },
  {
    name: 'matmul vector-like (1 row)',
    covers: ['matmul'],
    inputs: [s([1, 257]), s([257, 1])],
    fn: (a, b) => matmul(a, b),
  },
  {
    name: 'linear with bias',
    covers: ['linear'],
    inputs: [s([64, 784 / 8]), s([33, 98]), s([33])],
    fn: linear,
  },
  {
    name: 'linear without bias',
    covers: ['linear'],
    inputs: [s([5, 6]), s([4, 6])],
    fn: (x, w) => linear(x, w),
  },
  // Softmax and losses
  { name: 'softmax', covers: ['softmax'], inputs: [s([4, 7], -3, 3)], fn: (x) => softmax(x) },
  {
    name: 'logSoftmax axis 0',
    covers: ['logSoftmax'],
    inputs: [s([4, 7], -3, 3)],
    fn: (x) => logSoftmax(x, 0),
  },
  {
    name: 'crossEntropy mean',
    covers: ['crossEntropy'],
    inputs: [s([5, 7], -3, 3)],
    fn: (x) => crossEntropy(x, labels7),
  },
  {
    name: 'crossEntropy none',
    covers: ['crossEntropy'],
    inputs: [s([5, 7], -3, 3)],
    fn: (x) => crossEntropy(x, labels7, { reduction: 'none' }),
  },
  {
    name: 'nllLoss',
    covers: ['nllLoss', 'logSoftmax'],
    inputs: [s([5, 7])],
    fn: (x) => nllLoss(logSoftmax(x), labels7),
  },
  {
    name: 'mseLoss',
    covers: ['mseLoss'],
    inputs: [s([5, 3]), s([5, 3])],
    fn: (a, b) => mseLoss(a, b),
  },
  // Convolution and pooling
  {
    name: 'conv2d stride 1 padding 1 with bias',
    covers: ['conv2d'],
    inputs: [s([2, 3, 6, 5]), s([4, 3, 3, 3]), s([4])],
    fn: (x, w, b) => conv2d(x, w, b, { padding: 1 }),
  },
  {
    name: 'conv2d stride 2 no padding',
    covers: ['conv2d'],
    inputs: [s([2, 2, 7, 7]), s([3, 2, 3, 2])],
    fn: (x, w) => conv2d(x, w, null, { stride: 2 }),
  },
  {
    name: 'maxPool2d',
    covers: ['maxPool2d'],
    inputs: [s([2, 3, 6, 6])],
    fn: (x) => maxPool2d(x, 2),
  },
  {
    name: 'maxPool2d padded',
    covers: ['maxPool2d'],
    inputs: [s([1, 2, 5, 5])],
    fn: (x) => maxPool2d(x, 3, 2, 1),
  },
  {
    name: 'avgPool2d',
    covers: ['avgPool2d'],
    inputs: [s([2, 3, 6, 6])],
    fn: (x) => avgPool2d(x, 2),
  },
  {
    name: 'avgPool2d padded',
    covers: ['avgPool2d'],
    inputs: [s([1, 2, 5, 5])],
    fn: (x) => avgPool2d(x, 3, 2, 1),
  },
  {
    name: 'cast to float64 and back (Tensor.to)',
    covers: ['cast'],
    inputs: [s([3, 5])],
    fn: (x) => cast(x, 'float64').exp().to('float32'),
    float64: true,
  },
  {
    name: 'dropout (same seed, same mask)',
    covers: ['dropout'],
    inputs: [s([6, 8])],
    fn: (x) => dropout(x, 0.3, { rng: new Generator(11) }),
  },
];

/** Functions exported from src/ops that are helpers, not ops. */
export const NOT_OPS = new Set([
  'wrap',
  'toTensor',
  'assertTensor',
  'assertCompatible',
  'assertRank',
  'toIndexArray',
  'pair2d',
  'windowGeometry',
]);
