/**
 * The differential table: every op of @thermograd/autograd beside the same computation written in
 * TensorFlow.js. A case draws its shapes and options from a seeded generator (so each run sees the
 * same "random" shapes) and returns the inputs with both implementations. The runner
 * (tfjs-ops.test.ts) evaluates it on every backend and in TF.js, plain and with its inputs made
 * by a transpose or a slice, at the scales it lists, and compares values and gradients in float32.
 *
 * Where TF.js follows another convention than thermograd (PyTorch's), inputs avoid the point in
 * question (ties, zeros of abs, negative bases of pow's exponent gradient, padded average pools)
 * and tfjs-conventions.test.ts pins both answers instead.
 */
import {
  Generator,
  abs,
  add,
  avgPool2d,
  broadcastTo,
  cat,
  clamp,
  concat,
  conv2d,
  crossEntropy,
  div,
  eq,
  exp,
  expand,
  flatten,
  gather,
  ge,
  gelu,
  gt,
  indexSelect,
  le,
  leakyRelu,
  linear,
  log,
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
  neg,
  nllLoss,
  oneHot,
  permute,
  pow,
  powScalar,
  reciprocal,
  relu,
  reshape,
  sigmoid,
  sign,
  slice,
  softmax,
  sqrt,
  square,
  squeeze,
  stack,
  sub,
  sum,
  sumToShape,
  finiteProbe,
  t,
  tanh,
  tensor,
  transpose,
  unsqueeze,
  variance,
  where,
  type Tensor,
} from '@thermograd/autograd';
import { tf } from './tfjs.js';

export interface Input {
  shape: number[];
  /** Uniform in [low, high) (default [-1, 1)), times the run's scale unless `fixed`. */
  low?: number;
  high?: number;
  /** Explicit values (special values: NaN, zeros); not scaled. */
  values?: number[];
  /** Values rounded to integers, so that comparisons meet equality. */
  integers?: boolean;
  /** Not differentiated (default: differentiated). */
  grad?: boolean;
  /** Not scaled (values whose range matters: positive divisors, log arguments). */
  fixed?: boolean;
}

export interface Drawn {
  inputs: Input[];
  ours: (...xs: Tensor[]) => Tensor;
  theirs: (...xs: tf.Tensor[]) => tf.Tensor;
}

export interface DiffCase {
  name: string;
  /** The exported ops this case exercises (tfjs-ops.test.ts checks that every op is covered). */
  covers: string[];
  draw: (rng: Generator) => Drawn;
  /** Value scales to run at besides 1 (large and tiny values). */
  scales?: number[];
  /** rtol of conformanceTolerance (@thermograd/autograd/testing): 1e-4 by default. */
  tol?: number;
  /** False for outputs without a gradient (comparisons). */
  grad?: boolean;
  /** False where a transposed or sliced input means nothing (index inputs). */
  views?: boolean;
}

const int = (rng: Generator, lo: number, hi: number) => lo + rng.int(hi - lo + 1);
const dims = (rng: Generator, rank: number, lo = 1, hi = 5) =>
  Array.from({ length: rank }, () => int(rng, lo, hi));
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const BIG_SMALL = [1e4, 1e-4];

/** A shape and another broadcastable against it: axes set to 1 and leading axes dropped at random. */
function broadcastPair(rng: Generator): [number[], number[]] {
  const a = dims(rng, int(rng, 1, 4), 2, 4);
  let b = a.map((d) => (rng.uniform() < 0.35 ? 1 : d));
  b = b.slice(int(rng, 0, Math.min(2, b.length - 1)));
  return rng.uniform() < 0.5 ? [a, b] : [b, a];
}

/** A non-empty random subset of the axes of a rank-r tensor, sorted. */
function axesOf(rng: Generator, r: number): number[] {
  const axes = [...Array(r).keys()].filter(() => rng.uniform() < 0.5);
  return axes.length > 0 ? axes : [int(rng, 0, r - 1)];
}

function unary(
  name: string,
  ours: (x: Tensor) => Tensor,
  theirs: (x: tf.Tensor) => tf.Tensor,
  low = -2,
  high = 2,
  scales: number[] = [],
): DiffCase {
  return {
    name,
    covers: [name],
    scales,
    draw: (rng) => ({
      inputs: [{ shape: dims(rng, int(rng, 1, 3)), low, high, fixed: scales.length === 0 }],
      ours,
      theirs,
    }),
  };
}

const sign32 = (x: tf.Tensor) => tf.sign(x);
const SQRT1_2 = Math.SQRT1_2;

const unaryCases: DiffCase[] = [
  unary('neg', neg, tf.neg, -2, 2, BIG_SMALL),
  unary('exp', exp, tf.exp, -4, 4),
  unary('log', log, tf.log, 0.05, 5),
  unary('sqrt', sqrt, tf.sqrt, 0.05, 5),
  // Away from 0, where TF.js's abs gradient is −1 (tfjs-conventions.test.ts).
  {
    ...unary('abs', abs, tf.abs, 0.1, 2, BIG_SMALL),
    draw: (rng) => ({
      inputs: [{ shape: dims(rng, 2), values: undefined, low: 0.1, high: 2 }],
      ours: (x) => abs(x.mul(-1).add(x.mul(2)).mul(x.sign())),
      theirs: (x) => tf.abs(tf.mul(tf.add(tf.mul(x, -1), tf.mul(x, 2)), sign32(x))),
    }),
  },
  unary('tanh', tanh, tf.tanh, -4, 4),
  unary('sigmoid', sigmoid, tf.sigmoid, -8, 8),
  unary('relu', relu, tf.relu, -2, 2, BIG_SMALL),
  {
    name: 'leakyRelu',
    covers: ['leakyRelu'],
    scales: BIG_SMALL,
    draw: (rng) => ({
      inputs: [{ shape: dims(rng, 2) }],
      ours: (x) => leakyRelu(x, 0.1),
      theirs: (x) => tf.leakyRelu(x, 0.1),
    }),
  },
  // TF.js has no GELU op: its exact form x·Φ(x), Φ(x) = ½(1 + erf(x/√2)).
  unary('gelu', gelu, (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, SQRT1_2)))), -4, 4),
  unary('square', square, tf.square, -2, 2, [1e3, 1e-4]),
  unary('reciprocal', reciprocal, tf.reciprocal, 0.2, 3),
  unary('sign', sign, tf.sign, -2, 2, BIG_SMALL),
  {
    name: 'powScalar (pow with a number exponent)',
    covers: ['powScalar'],
    draw: (rng) => ({
      inputs: [{ shape: dims(rng, 2), low: 0.1, high: 3, fixed: true }],
      ours: (x) => powScalar(x, 2.5),
      theirs: (x) => tf.pow(x, 2.5),
    }),
  },
  {
    name: 'clamp',
    covers: ['clamp'],
    draw: (rng) => ({
      inputs: [{ shape: dims(rng, 2) }],
      ours: (x) => clamp(x, -0.5, 0.3),
      theirs: (x) => tf.clipByValue(x, -0.5, 0.3),
    }),
  },
];

function binary(
  name: string,
  ours: (a: Tensor, b: Tensor) => Tensor,
  theirs: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  a: Partial<Input> = {},
  b: Partial<Input> = {},
  scales: number[] = BIG_SMALL,
): DiffCase[] {
  // Three draws of broadcast shapes per op.
  return [0, 1, 2].map((k) => ({
    name: `${name} (broadcast draw ${k})`,
    covers: [name],
    scales,
    draw: (rng) => {
      const [sa, sb] = broadcastPair(rng);
      return {
        inputs: [
          { shape: sa, ...a },
          { shape: sb, ...b },
        ],
        ours,
        theirs,
      };
    },
  }));
}

const positive = { low: 0.5, high: 2, fixed: true };

/** f(a, b) on operands broadcast to their common shape first (broadcastTo's gradient sums back). */
function tfBroadcasting(
  f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  a: tf.Tensor,
  b: tf.Tensor,
): tf.Tensor {
  const shape = tf.broadcastArgs(tf.tensor1d(a.shape, 'int32'), tf.tensor1d(b.shape, 'int32'));
  const out = Array.from(shape.dataSync());
  return f(tf.broadcastTo(a, out), tf.broadcastTo(b, out));
}
const binaryCases: DiffCase[] = [
  ...binary('add', add, tf.add),
  ...binary('sub', sub, tf.sub),
  ...binary('mul', mul, tf.mul),
  ...binary('div', div, tf.div, {}, positive),
  // Positive bases: TF.js gives the exponent gradient 0 for a negative base (we: NaN, the log).
  ...binary(
    'pow',
    pow,
    tf.pow,
    { low: 0.2, high: 2, fixed: true },
    { low: -1, high: 2, fixed: true },
    [],
  ),
  // TF.js's maximum/minimum gradients skip the sum over broadcast axes (its shape check throws),
  // so TF.js gets its operands broadcast first; continuous random values have no ties.
  ...binary('maximum', maximum, (a, b) => tfBroadcasting(tf.maximum, a, b)),
  ...binary('minimum', minimum, (a, b) => tfBroadcasting(tf.minimum, a, b)),
];

const comparisons: [
  string,
  (a: Tensor, b: Tensor) => Tensor,
  (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
][] = [
  ['eq', eq, tf.equal],
  ['ne', ne, tf.notEqual],
  ['gt', gt, tf.greater],
  ['ge', ge, tf.greaterEqual],
  ['lt', lt, tf.less],
  ['le', le, tf.lessEqual],
];
const comparisonCases: DiffCase[] = comparisons.map(([name, ours, theirs]) => ({
  name: `${name} (integers, so that equality occurs)`,
  covers: [name],
  grad: false,
  draw: (rng) => {
    const [sa, sb] = broadcastPair(rng);
    const ints = { low: -2, high: 2, integers: true, grad: false, fixed: true };
    return {
      inputs: [
        { shape: sa, ...ints },
        { shape: sb, ...ints },
      ],
      ours,
      theirs: (a, b) => tf.cast(theirs(a, b), 'float32'),
    };
  },
}));

const reductionCases: DiffCase[] = [
  ...(
    [
      ['sum', sum, tf.sum],
      ['mean', mean, tf.mean],
      ['max', max, tf.max],
      ['min', min, tf.min],
      ['logsumexp', logsumexp, tf.logSumExp],
    ] as const
  ).flatMap(([name, ours, theirs]) =>
    [0, 1].map((k) => ({
      name: `${name} over random axes (draw ${k})`,
      covers: [name],
      scales: name === 'logsumexp' ? [1e3, 1e-4] : BIG_SMALL,
      draw: (rng: Generator): Drawn => {
        const shape = dims(rng, int(rng, 1, 4), 2, 5);
        const axes = axesOf(rng, shape.length);
        const keep = rng.uniform() < 0.5;
        return {
          inputs: [{ shape }],
          ours: (x) => ours(x, axes, keep),
          theirs: (x) => theirs(x, axes, keep),
        };
      },
    })),
  ),
  {
    name: 'variance (population) over random axes',
    covers: ['variance'],
    scales: [1e3, 1e-4],
    draw: (rng) => {
      const shape = dims(rng, 3, 2, 5);
      const axes = axesOf(rng, 3);
      return {
        inputs: [{ shape }],
        ours: (x) => variance(x, axes, false, 0),
        theirs: (x) => tf.moments(x, axes).variance,
      };
    },
  },
  {
    name: 'variance of values far from 0 (1000 ± 1: the mean must cancel exactly)',
    covers: ['variance'],
    // Inputs near 1000 are resolved to 6e-5 in float32, which is 1e-4 of a deviation of about 1
    // from the mean: the gradient 2(x − mean)/n carries that much in either implementation.
    tol: 1e-3,
    draw: (rng) => ({
      inputs: [{ shape: dims(rng, 2, 20, 40), low: 999, high: 1001, fixed: true }],
      ours: (x) => variance(x, 1, false, 0),
      theirs: (x) => tf.moments(x, 1).variance,
    }),
  },
];

const layoutCases: DiffCase[] = [
  {
    name: 'reshape and flatten',
    covers: ['reshape', 'flatten'],
    draw: (rng) => {
      const shape = dims(rng, 3, 2, 4);
      return {
        inputs: [{ shape }],
        ours: (x) => reshape(x, [shape[0], -1]).mul(flatten(x)),
        theirs: (x) => tf.mul(tf.reshape(x, [shape[0], -1]), tf.reshape(x, [shape[0], -1])),
      };
    },
  },
  {
    name: 'squeeze and unsqueeze',
    covers: ['squeeze', 'unsqueeze'],
    draw: (rng) => {
      const [a, b] = dims(rng, 2, 2, 4);
      return {
        inputs: [{ shape: [a, 1, b] }],
        ours: (x) => unsqueeze(squeeze(x, 1), 0).exp(),
        theirs: (x) => tf.exp(tf.expandDims(tf.squeeze(x, [1]), 0)),
      };
    },
  },
  {
    name: 'expand and broadcastTo',
    covers: ['expand', 'broadcastTo'],
    draw: (rng) => {
      const [a, b, c] = dims(rng, 3, 2, 4);
      return {
        // broadcastTo materialises without a graph (a gradient helper): y gets no gradient.
        inputs: [{ shape: [a, 1] }, { shape: [1, c], grad: false }],
        ours: (x, y) => expand(x, [b, a, c]).mul(broadcastTo(y, [a, c])),
        theirs: (x, y) => tf.mul(tf.broadcastTo(x, [b, a, c]), tf.broadcastTo(y, [a, c])),
      };
    },
  },
  {
    name: 'sumToShape',
    covers: ['sumToShape'],
    draw: (rng) => {
      const shape = dims(rng, 3, 2, 4);
      return {
        inputs: [{ shape }],
        ours: (x) => sumToShape(x.exp(), [1, shape[1], 1]),
        theirs: (x) => tf.sum(tf.exp(x), [0, 2], true),
      };
    },
  },
  {
    name: 'finiteProbe (finite values, then a log that makes NaNs of the negative ones)',
    covers: ['finiteProbe'],
    grad: false,
    draw: (rng) => {
      const shape = dims(rng, 2, 3, 40);
      // TF.js: 0 when every element is finite, NaN otherwise.
      const probe = (x: tf.Tensor) =>
        tf.where(tf.all(tf.isFinite(x)), tf.scalar(0), tf.scalar(NaN));
      return rng.uniform() < 0.5
        ? { inputs: [{ shape }], ours: (x) => finiteProbe(x), theirs: probe }
        : {
            inputs: [{ shape }],
            ours: (x) => finiteProbe(x.sub(0.9).log()),
            theirs: (x) => probe(tf.log(tf.sub(x, 0.9))),
          };
    },
  },
  {
    name: 'permute, transpose and t',
    covers: ['permute', 'transpose', 't'],
    draw: (rng) => {
      const shape = dims(rng, 3, 2, 4);
      const perm = [
        [2, 0, 1],
        [1, 2, 0],
        [0, 2, 1],
      ][int(rng, 0, 2)];
      return {
        inputs: [{ shape }, { shape: [shape[0], shape[1]] }],
        ours: (x, y) =>
          permute(x, perm)
            .exp()
            .sum()
            .add(transpose(x, 0, 2).mul(2).sum())
            .add(t(y).square().sum()),
        theirs: (x, y) =>
          tf.add(
            tf.add(
              tf.sum(tf.exp(tf.transpose(x, perm))),
              tf.sum(tf.mul(tf.transpose(x, [2, 1, 0]), 2)),
            ),
            tf.sum(tf.square(tf.transpose(y))),
          ),
      };
    },
  },
  {
    name: 'slice and narrow',
    covers: ['slice', 'narrow'],
    draw: (rng) => {
      const [a, b] = dims(rng, 2, 4, 7);
      return {
        inputs: [{ shape: [a, b] }],
        ours: (x) =>
          slice(x, [1, 2], [a - 1, b])
            .exp()
            .sum()
            .add(narrow(x, 1, 1, 2).square().sum()),
        theirs: (x) =>
          tf.add(
            tf.sum(tf.exp(tf.slice(x, [1, 2], [a - 2, b - 2]))),
            tf.sum(tf.square(tf.slice(x, [0, 1], [a, 2]))),
          ),
      };
    },
  },
  {
    name: 'cat, concat and stack',
    covers: ['cat', 'concat', 'stack'],
    draw: (rng) => {
      const [a, b, c] = dims(rng, 3, 2, 4);
      return {
        inputs: [{ shape: [a, c] }, { shape: [b, c] }, { shape: [a, c] }],
        ours: (x, y, z) =>
          cat([x, y], 0)
            .exp()
            .sum()
            .add(concat([x, z], 1).square().sum())
            .add(stack([x, z], 1).mul(3).sum()),
        theirs: (x, y, z) =>
          tf.addN([
            tf.sum(tf.exp(tf.concat([x, y], 0))),
            tf.sum(tf.square(tf.concat([x, z], 1))),
            tf.sum(tf.mul(tf.stack([x, z], 1), 3)),
          ]),
      };
    },
  },
  {
    name: 'indexSelect (repeated indices)',
    covers: ['indexSelect'],
    draw: (rng) => {
      const [a, b] = dims(rng, 2, 3, 5);
      const idx = Array.from({ length: 6 }, () => int(rng, 0, a - 1));
      return {
        inputs: [{ shape: [a, b] }],
        ours: (x) => indexSelect(x, 0, idx).exp(),
        theirs: (x) => tf.exp(tf.gather(x, idx, 0)),
      };
    },
  },
  {
    name: 'gather (torch.gather along axis 1)',
    covers: ['gather'],
    draw: (rng) => {
      const [a, b] = dims(rng, 2, 3, 5);
      const k = 3;
      const index = Array.from({ length: a * k }, () => int(rng, 0, b - 1));
      // TF.js: gather from the flattened input at row·b + index.
      const flat = index.map((j, i) => Math.floor(i / k) * b + j);
      return {
        inputs: [{ shape: [a, b] }],
        ours: (x) => gather(x, 1, tensor(index, [a, k])).exp(),
        theirs: (x) => tf.exp(tf.reshape(tf.gather(tf.reshape(x, [-1]), flat), [a, k])),
      };
    },
  },
  {
    name: 'oneHot',
    covers: ['oneHot'],
    draw: (rng) => {
      const [n, c] = dims(rng, 2, 2, 6);
      const labels = Array.from({ length: n }, () => int(rng, 0, c - 1));
      return {
        inputs: [{ shape: [n, c] }],
        ours: (x) => oneHot(labels, c).mul(x),
        theirs: (x) => tf.mul(tf.oneHot(tf.tensor1d(labels, 'int32'), c), x),
      };
    },
  },
  {
    name: 'where (broadcast condition and values)',
    covers: ['where'],
    draw: (rng) => {
      const [a, b] = dims(rng, 2, 2, 5);
      return {
        // The condition arrives as 0/1 values: TF.js backpropagates into whatever made it, and
        // its comparisons have no gradient (a cast has).
        inputs: [
          { shape: [a, b], low: 0, high: 1, integers: true, fixed: true, grad: false },
          { shape: [a, b] },
          { shape: [b] },
        ],
        ours: (c, x, y) => where(c, x, y),
        theirs: (c, x, y) => tf.where(tf.cast(c, 'bool'), x, tf.broadcastTo(y, [a, b])),
      };
    },
  },
];

const linearCases: DiffCase[] = [
  ...[false, true].flatMap((ta) =>
    [false, true].map((tb): DiffCase => ({
      name: `matmul transposeA=${ta} transposeB=${tb}`,
      covers: ['matmul'],
      scales: BIG_SMALL,
      draw: (rng) => {
        const [m, k, n] = dims(rng, 3, 1, 40);
        return {
          inputs: [{ shape: ta ? [k, m] : [m, k] }, { shape: tb ? [n, k] : [k, n] }],
          ours: (a, b) => matmul(a, b, { transposeA: ta, transposeB: tb }),
          theirs: (a, b) => tf.matMul(a, b, ta, tb),
        };
      },
    })),
  ),
  {
    name: 'matmul batched, B shared by the batch',
    covers: ['matmul'],
    draw: (rng) => {
      const [bt, m, k, n] = dims(rng, 4, 1, 6);
      return {
        inputs: [{ shape: [bt, m, k] }, { shape: [k, n] }],
        ours: (a, b) => matmul(a, b),
        theirs: (a, b) => tf.matMul(a, tf.broadcastTo(b, [bt, k, n])),
      };
    },
  },
  {
    name: 'linear with bias',
    covers: ['linear'],
    scales: BIG_SMALL,
    draw: (rng) => {
      const [bt, i, o] = dims(rng, 3, 1, 30);
      return {
        inputs: [{ shape: [bt, i] }, { shape: [o, i] }, { shape: [o] }],
        ours: (x, w, b) => linear(x, w, b),
        theirs: (x, w, b) => tf.add(tf.matMul(x, w, false, true), b),
      };
    },
  },
];

/** TF.js's log-softmax along an axis: it only has the last one, so transpose around it. */
function tfLogSoftmax(x: tf.Tensor, axis: number): tf.Tensor {
  if (axis === x.rank - 1 || axis === -1) return tf.logSoftmax(x);
  const perm = [...Array(x.rank).keys()].filter((i) => i !== axis).concat(axis);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return tf.transpose(tf.logSoftmax(tf.transpose(x, perm)), inverse);
}

/** Mean (or sum) over the batch of −log p[b, y_b], in TF.js ops. */
function tfNll(logp: tf.Tensor, labels: number[], reduction: 'mean' | 'sum' | 'none'): tf.Tensor {
  const picked = tf.neg(
    tf.sum(tf.mul(tf.oneHot(tf.tensor1d(labels, 'int32'), logp.shape[1]!), logp), 1),
  );
  if (reduction === 'none') return picked;
  return reduction === 'mean' ? tf.mean(picked) : tf.sum(picked);
}

/** softmax or logSoftmax along a random axis of a random 3-D shape. */
function alongRandomAxis(
  name: string,
  ours: (x: Tensor, axis: number) => Tensor,
  theirs: (x: tf.Tensor, axis: number) => tf.Tensor,
): DiffCase {
  return {
    name: `${name} along a random axis`,
    covers: [name],
    scales: [1e4, 1e-4],
    draw: (rng) => {
      const shape = dims(rng, 3, 2, 6);
      const axis = int(rng, 0, 2);
      return {
        inputs: [{ shape, low: -3, high: 3 }],
        ours: (x) => ours(x, axis),
        theirs: (x) => theirs(x, axis),
      };
    },
  };
}

const lossCases: DiffCase[] = [
  alongRandomAxis('softmax', softmax, (x, axis) => tf.exp(tfLogSoftmax(x, axis))),
  alongRandomAxis('logSoftmax', logSoftmax, tfLogSoftmax),
  ...(['mean', 'sum', 'none'] as const).map((reduction): DiffCase => ({
    name: `crossEntropy reduction ${reduction}`,
    covers: ['crossEntropy'],
    scales: [1e4, 1e-4],
    draw: (rng) => {
      const [n, c] = dims(rng, 2, 2, 12);
      const labels = Array.from({ length: n }, () => int(rng, 0, c - 1));
      return {
        inputs: [{ shape: [n, c], low: -3, high: 3 }],
        ours: (z) => crossEntropy(z, labels, { reduction }),
        theirs: (z) => tfNll(tf.logSoftmax(z), labels, reduction),
      };
    },
  })),
  {
    name: 'nllLoss of logSoftmax',
    covers: ['nllLoss'],
    draw: (rng) => {
      const [n, c] = dims(rng, 2, 2, 8);
      const labels = Array.from({ length: n }, () => int(rng, 0, c - 1));
      return {
        inputs: [{ shape: [n, c], low: -3, high: 3 }],
        ours: (z) => nllLoss(logSoftmax(z), labels),
        theirs: (z) => tfNll(tf.logSoftmax(z), labels, 'mean'),
      };
    },
  },
  {
    name: 'mseLoss',
    covers: ['mseLoss'],
    scales: [1e3, 1e-4],
    draw: (rng) => {
      const shape = dims(rng, 2, 1, 20);
      return {
        inputs: [{ shape }, { shape }],
        ours: (p, y) => mseLoss(p, y),
        theirs: (p, y) => tf.losses.meanSquaredError(y, p),
      };
    },
  },
];

/** NCHW ↔ NHWC for TF.js, whose CPU convolutions and pools work in NHWC. */
const toNhwc = (x: tf.Tensor) => tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
const toNchw = (x: tf.Tensor) => tf.transpose(x, [0, 3, 1, 2]);

const convCases: DiffCase[] = [0, 1, 2].map((k): DiffCase => ({
  name: `conv2d, random geometry (draw ${k})`,
  covers: ['conv2d'],
  scales: BIG_SMALL,
  draw: (rng) => {
    const [n, c, o] = dims(rng, 3, 1, 3);
    const [kh, kw] = dims(rng, 2, 1, 3);
    const stride = int(rng, 1, 2);
    const pad = int(rng, 0, 1);
    const [h, w] = [int(rng, kh + 1, 7), int(rng, kw + 1, 7)];
    return {
      inputs: [{ shape: [n, c, h, w] }, { shape: [o, c, kh, kw] }, { shape: [o] }],
      ours: (x, wt, b) => conv2d(x, wt, b, { stride, padding: pad }),
      theirs: (x, wt, b) =>
        toNchw(
          tf.add(
            tf.conv2d(toNhwc(x), tf.transpose(wt, [2, 3, 1, 0]) as tf.Tensor4D, stride, [
              [0, 0],
              [pad, pad],
              [pad, pad],
              [0, 0],
            ]),
            b,
          ),
        ),
    };
  },
}));

const poolCases: DiffCase[] = [
  {
    name: 'maxPool2d 2×2',
    covers: ['maxPool2d'],
    scales: BIG_SMALL,
    draw: (rng) => {
      const [n, c] = dims(rng, 2, 1, 3);
      const [h, w] = dims(rng, 2, 2, 8);
      return {
        inputs: [{ shape: [n, c, h, w] }],
        ours: (x) => maxPool2d(x, 2),
        theirs: (x) => toNchw(tf.maxPool(toNhwc(x), 2, 2, 'valid')),
      };
    },
  },
  {
    name: 'maxPool2d 3×3 stride 2 padding 1',
    covers: ['maxPool2d'],
    draw: (rng) => {
      // Odd sizes: TF.js accepts a numeric padding only when the windows fit exactly.
      const [h, w] = [2 * int(rng, 2, 4) + 1, 2 * int(rng, 2, 4) + 1];
      return {
        inputs: [{ shape: [2, 2, h, w] }],
        ours: (x) => maxPool2d(x, 3, 2, 1),
        theirs: (x) => toNchw(tf.maxPool(toNhwc(x), 3, 2, 1)),
      };
    },
  },
  {
    // Unpadded: with padding TF.js averages over the in-image values only (tfjs-conventions).
    name: 'avgPool2d, unpadded',
    covers: ['avgPool2d'],
    scales: BIG_SMALL,
    draw: (rng) => {
      const k = int(rng, 2, 3);
      const [h, w] = dims(rng, 2, k, 8);
      return {
        inputs: [{ shape: [2, 3, h, w] }],
        ours: (x) => avgPool2d(x, k, 1),
        theirs: (x) => toNchw(tf.avgPool(toNhwc(x), k, 1, 'valid')),
      };
    },
  },
];

/** Special values where both agree: NaN through relu, zeros of pow's base. */
const specialCases: DiffCase[] = [
  {
    name: 'relu of NaN, ±0, ±∞: NaN propagates forward and backward',
    covers: ['relu'],
    views: false,
    draw: () => ({
      inputs: [{ shape: [6], values: [NaN, 0, -0, Infinity, -Infinity, 2] }],
      ours: relu,
      theirs: tf.relu,
    }),
  },
  {
    name: 'pow at a zero base: the exponent gradient is its limit 0',
    covers: ['pow'],
    views: false,
    draw: () => ({
      inputs: [
        { shape: [3], values: [0, 0, 2] },
        { shape: [3], values: [2, 0.5, 3] },
      ],
      ours: pow,
      theirs: tf.pow,
    }),
  },
];

export const CASES: DiffCase[] = [
  ...unaryCases,
  ...binaryCases,
  ...comparisonCases,
  ...reductionCases,
  ...layoutCases,
  ...linearCases,
  ...lossCases,
  ...convCases,
  ...poolCases,
  ...specialCases,
];

/** Ops without a TF.js counterpart to compare with, and why. */
export const NOT_DIFFERENTIAL: Record<string, string> = {
  dropout:
    "random: the mask comes from thermograd's generator (same seed, same mask is checked in the conformance suite)",
  cast: 'dtype conversion: TF.js computes in float32 only; the gpu backend has no float64',
};

export { size };
