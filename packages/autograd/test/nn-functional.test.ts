import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { expectGradientsMatch, rand64 } from './helpers.js';

const f64 = { dtype: 'float64' as const };
const t64 = (values: number[] | number[][], shape?: number[]) => tg.tensor(values, shape, f64);

function naiveSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('softmax and logSoftmax', () => {
  it('gradients match along the last axis, a middle axis and the first axis', () => {
    const x = rand64([2, 3, 4], 11, -2, 2);
    for (const axis of [-1, 1, 0]) {
      expectGradientsMatch((t) => tg.softmax(t, axis), [x]);
      expectGradientsMatch((t) => tg.logSoftmax(t, axis), [x]);
    }
    expectGradientsMatch((t) => t.softmax(), [rand64([5], 3, -3, 3)]);
  });

  it('forward values on a hand-computed case', () => {
    const s = tg.softmax(t64([[1, 2, 3]])).toArray();
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expect(s).toBeAllClose([Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z], {
      rtol: 1e-14,
      atol: 1e-14,
    });
    expect(tg.logSoftmax(t64([[1, 2, 3]])).toArray()).toBeAllClose(
      [1 - Math.log(z), 2 - Math.log(z), 3 - Math.log(z)],
      { rtol: 1e-14, atol: 1e-14 },
    );
  });

  it('softmax along axis 0 equals the row softmax of the transposed matrix', () => {
    const x = rand64([3, 4], 5, -2, 2);
    const v = x.toArray();
    const s = tg.softmax(x, 0).toArray();
    for (let col = 0; col < 4; col++) {
      const expected = naiveSoftmax([0, 1, 2].map((r) => v[r * 4 + col]));
      expect([0, 1, 2].map((r) => s[r * 4 + col])).toBeAllClose(expected, {
        rtol: 1e-14,
        atol: 1e-14,
      });
    }
  });

  it('is stable for logits of ±1000', () => {
    const x = t64([[1000, 0, -1000]]).requireGrad();
    expect(tg.softmax(x).toArray()).toBeAllClose([1, 0, 0], { rtol: 1e-15, atol: 1e-15 });
    expect(tg.logSoftmax(x).toArray()).toBeAllClose([0, -1000, -2000], {
      rtol: 1e-12,
      atol: 1e-12,
    });
    tg.sum(tg.mul(tg.logSoftmax(x), t64([[1, 2, 3]]))).backward();
    // d/dx Σ w·logSoftmax(x) = w − softmax·Σw = [1 − 6, 2, 3]
    expect(x.grad!.toArray()).toBeAllClose([-5, 2, 3], { rtol: 1e-12, atol: 1e-12 });
  });

  it('rejects a 0-d input and a bad axis with clear errors', () => {
    expect(() => tg.softmax(tg.scalar(1))).toThrow(
      /softmax: input must have at least one dimension/,
    );
    expect(() => tg.logSoftmax(t64([1, 2]), 3)).toThrow(/logSoftmax/);
  });
});

describe('crossEntropy and nllLoss', () => {
  const logits = () =>
    t64([
      [1, 2, 3],
      [1, 1, 1],
      [0.5, -1, 2],
    ]);
  const labels = [2, 0, 1];

  it('gradients match for every reduction', () => {
    const z = rand64([4, 5], 21, -3, 3);
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      expectGradientsMatch((t) => tg.crossEntropy(t, [0, 4, 2, 2], { reduction }), [z]);
      expectGradientsMatch((t) => tg.nllLoss(tg.logSoftmax(t), [0, 4, 2, 2], { reduction }), [z]);
    }
  });

  it('equals −log softmax at the label, averaged over the batch by default', () => {
    const z = logits();
    const rows = [
      [1, 2, 3],
      [1, 1, 1],
      [0.5, -1, 2],
    ];
    const perExample = rows.map((r, b) => -Math.log(naiveSoftmax(r)[labels[b]]));
    expect(tg.crossEntropy(z, labels, { reduction: 'none' }).toArray()).toBeAllClose(perExample, {
      rtol: 1e-14,
      atol: 1e-14,
    });
    expect([tg.crossEntropy(z, labels, { reduction: 'sum' }).item()]).toBeAllClose(
      [perExample[0] + perExample[1] + perExample[2]],
      { rtol: 1e-14, atol: 1e-14 },
    );
    const loss = tg.crossEntropy(z, labels);
    expect(loss.shape).toEqual([]);
    expect([loss.item()]).toBeAllClose([(perExample[0] + perExample[1] + perExample[2]) / 3], {
      rtol: 1e-14,
      atol: 1e-14,
    });
    // Row 1: uniform logits over 3 classes give log 3.
    expect([perExample[1]]).toBeAllClose([Math.log(3)], { rtol: 1e-15, atol: 1e-15 });
    expect(tg.nllLoss(tg.logSoftmax(z), labels, { reduction: 'none' }).toArray()).toBeAllClose(
      perExample,
      { rtol: 1e-14, atol: 1e-14 },
    );
  });

  it('gradient of the mean loss is (softmax − one-hot) / B', () => {
    const z = logits().requireGrad();
    tg.crossEntropy(z, labels).backward();
    const expected: number[] = [];
    [
      [1, 2, 3],
      [1, 1, 1],
      [0.5, -1, 2],
    ].forEach((r, b) =>
      naiveSoftmax(r).forEach((p, c) => expected.push((p - (c === labels[b] ? 1 : 0)) / 3)),
    );
    expect(z.grad!.toArray()).toBeAllClose(expected, { rtol: 1e-14, atol: 1e-14 });
  });

  it('accepts labels as number[], Int32Array or a Tensor', () => {
    const a = tg.crossEntropy(logits(), labels).item();
    expect(tg.crossEntropy(logits(), Int32Array.from(labels)).item()).toBe(a);
    expect(
      tg.crossEntropy(logits(), tg.tensor(labels, undefined, { dtype: 'float32' })).item(),
    ).toBe(a);
  });

  it('is finite for logits of ±1000, loss and gradient', () => {
    const z = t64([
      [1000, -1000],
      [-1000, 1000],
    ]).requireGrad();
    const loss = tg.crossEntropy(z, [1, 1], { reduction: 'none' });
    expect(loss.toArray()).toBeAllClose([2000, 0], { rtol: 1e-12, atol: 1e-12 });
    tg.crossEntropy(z, [1, 1]).backward();
    expect(z.grad!.toArray()).toBeAllClose([0.5, -0.5, 0, 0], { rtol: 1e-12, atol: 1e-12 });
    const z32 = tg.tensor([[1000, -1000, 0]]).requireGrad();
    const l32 = tg.crossEntropy(z32, [2]);
    l32.backward();
    expect(Number.isFinite(l32.item())).toBe(true);
    expect([...z32.grad!.toArray()].every(Number.isFinite)).toBe(true);
  });

  it('rejects bad labels, counts and shapes, naming the label and its position', () => {
    expect(() => tg.crossEntropy(logits(), [2, 3, 0])).toThrow(
      /crossEntropy: label 3 at position 1 is out of range \[0, 3\)/,
    );
    expect(() => tg.crossEntropy(logits(), [2, -1, 0])).toThrow(/label -1 at position 1/);
    expect(() => tg.crossEntropy(logits(), [2, 0, 1.5])).toThrow(/label 1.5 at position 2/);
    expect(() => tg.crossEntropy(logits(), [2, 0])).toThrow(
      /crossEntropy: 2 labels for input \[3,3\]: expected 3/,
    );
    expect(() => tg.crossEntropy(t64([1, 2, 3]), [0])).toThrow(
      /crossEntropy: logits \[batch, classes\] must have rank 2, got shape \[3\]/,
    );
    expect(() => tg.crossEntropy(logits(), t64([[2], [0], [1]]))).toThrow(
      /labels must be a 1-D tensor/,
    );
    expect(() => tg.crossEntropy(logits(), labels, { reduction: 'avg' as 'mean' })).toThrow(
      /reduction must be 'mean', 'sum' or 'none'/,
    );
    expect(() => tg.nllLoss(logits(), [0, 0, 7])).toThrow(/nllLoss: label 7 at position 2/);
  });
});

describe('mseLoss', () => {
  it('gradients match for both operands and every reduction', () => {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      expectGradientsMatch(
        (p, t) => tg.mseLoss(p, t, { reduction }),
        [rand64([3, 2], 1), rand64([3, 2], 2)],
      );
    }
  });

  it('forward values by hand', () => {
    const p = t64([1, 2, 3]);
    const t = t64([1, 0, 6]);
    expect([tg.mseLoss(p, t).item()]).toBeAllClose([(0 + 4 + 9) / 3], { rtol: 1e-15, atol: 1e-15 });
    expect([tg.mseLoss(p, t, { reduction: 'sum' }).item()]).toBeAllClose([13], {
      rtol: 1e-15,
      atol: 1e-15,
    });
    expect(tg.mseLoss(p, t, { reduction: 'none' }).toArray()).toBeAllClose([0, 4, 9], {
      rtol: 1e-15,
      atol: 1e-15,
    });
  });

  it('refuses to broadcast mismatched shapes', () => {
    expect(() => tg.mseLoss(rand64([3, 1], 1), rand64([3], 2))).toThrow(
      /mseLoss: prediction \[3,1\] and target \[3\] differ in shape/,
    );
  });
});

/** Direct-loop cross-correlation: the oracle for conv2d's forward. */
function naiveConv2d(
  x: tg.Tensor,
  w: tg.Tensor,
  b: tg.Tensor | null,
  [sh, sw]: number[],
  [ph, pw]: number[],
): { values: number[]; shape: number[] } {
  const [n, c, h, wd] = x.shape;
  const [o, , kh, kw] = w.shape;
  const xv = x.toArray();
  const wv = w.toArray();
  const bv = b?.toArray();
  const oh = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((wd + 2 * pw - kw) / sw) + 1;
  const values: number[] = [];
  for (let bi = 0; bi < n; bi++)
    for (let oc = 0; oc < o; oc++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let s = bv ? bv[oc] : 0;
          for (let ch = 0; ch < c; ch++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) {
                const y = i * sh - ph + u;
                const xx = j * sw - pw + v;
                if (y >= 0 && y < h && xx >= 0 && xx < wd)
                  s +=
                    xv[((bi * c + ch) * h + y) * wd + xx] * wv[((oc * c + ch) * kh + u) * kw + v];
              }
          values.push(s);
        }
  return { values, shape: [n, o, oh, ow] };
}

describe('conv2d', () => {
  it('a 1-channel 3×3 input with a 2×2 kernel, by hand', () => {
    const x = t64([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
    const w = t64([1, 2, 3, 4], [1, 1, 2, 2]);
    // out[0,0] = 1·1 + 2·2 + 3·4 + 4·5 = 37, then each step right adds 1+2+3+4 = 10, down adds 3·10.
    const y = tg.conv2d(x, w);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(y.toArray()).toBeAllClose([37, 47, 67, 77], { rtol: 1e-15, atol: 1e-15 });
    // padding 1, stride 2, bias 0.5: windows at (−1,−1), (−1,1), (1,−1), (1,1).
    const yp = tg.conv2d(x, w, t64([0.5]), { stride: 2, padding: 1 });
    expect(yp.shape).toEqual([1, 1, 2, 2]);
    expect(yp.toArray()).toBeAllClose(
      [4 * 1 + 0.5, 3 * 2 + 4 * 3 + 0.5, 2 * 4 + 4 * 7 + 0.5, 1 * 5 + 2 * 6 + 3 * 8 + 4 * 9 + 0.5],
      { rtol: 1e-15, atol: 1e-15 },
    );
  });

  it('matches a direct-loop convolution for strides, paddings and non-square kernels', () => {
    const cases: [number[], number[], number | [number, number], number | [number, number]][] = [
      [[2, 3, 5, 6], [4, 3, 3, 2], 2, 1],
      [
        [1, 2, 7, 5],
        [3, 2, 2, 3],
        [1, 2],
        [0, 1],
      ],
      [[3, 1, 4, 4], [2, 1, 4, 4], 1, 0],
    ];
    cases.forEach(([xs, ws, stride, padding], i) => {
      const x = rand64(xs, 100 + i);
      const w = rand64(ws, 200 + i);
      const b = rand64([ws[0]], 300 + i);
      const pair = (v: number | [number, number]) => (typeof v === 'number' ? [v, v] : v);
      const expected = naiveConv2d(x, w, b, pair(stride), pair(padding));
      const y = tg.conv2d(x, w, b, { stride, padding });
      expect(y.shape).toEqual(expected.shape);
      expect(y.toArray()).toBeAllClose(expected.values, { rtol: 1e-13, atol: 1e-13 });
    });
  });

  it('gradients match (stride 2, padding 1, non-square kernel, with and without bias)', () => {
    const x = rand64([2, 3, 5, 6], 1);
    const w = rand64([4, 3, 3, 2], 2);
    const b = rand64([4], 3);
    expectGradientsMatch(
      (xi, wi, bi) => tg.conv2d(xi, wi, bi, { stride: 2, padding: 1 }),
      [x, w, b],
    );
    expectGradientsMatch(
      (xi, wi) => tg.conv2d(xi, wi, undefined, { stride: [1, 2], padding: [0, 1] }),
      [rand64([1, 2, 4, 5], 4), rand64([3, 2, 2, 3], 5)],
    );
  });

  it('per-example mode gives the same summed gradients as the ordinary backward', () => {
    const x = rand64([3, 2, 4, 4], 7);
    const loss = (w: tg.Tensor, b: tg.Tensor) =>
      tg.mean(tg.square(tg.conv2d(x, w, b, { padding: 1 })));
    const w1 = rand64([2, 2, 3, 3], 8).requireGrad();
    const b1 = rand64([2], 9).requireGrad();
    loss(w1, b1).backward();
    const w2 = w1.detach().requireGrad();
    const b2 = b1.detach().requireGrad();
    loss(w2, b2).backward(undefined, { perExample: 'norms' });
    expect(w2.grad!.toArray()).toBeAllClose(w1.grad!.toArray(), { rtol: 1e-13, atol: 1e-13 });
    expect(b2.grad!.toArray()).toBeAllClose(b1.grad!.toArray(), { rtol: 1e-13, atol: 1e-13 });
    expect(w2.perExample?.sqNorms.length).toBe(3);
    expect(w2.perExample?.grads).toBeUndefined();
  });

  it('rejects mismatched shapes and bad options, naming conv2d and the shapes', () => {
    const x = rand64([2, 3, 4, 4], 1);
    expect(() => tg.conv2d(x, rand64([4, 2, 3, 3], 2))).toThrow(
      /conv2d: input \[2,3,4,4\] has 3 channels but weight \[4,2,3,3\] expects 2/,
    );
    expect(() => tg.conv2d(x, rand64([4, 3, 5, 5], 2))).toThrow(
      /conv2d: kernel 5x5 is larger than the padded input 4x4/,
    );
    expect(() => tg.conv2d(x, rand64([4, 3, 5, 5], 2), null, { padding: 1 })).not.toThrow();
    expect(() => tg.conv2d(x, rand64([4, 3, 3, 3], 2), rand64([3], 3))).toThrow(
      /conv2d: bias must have shape \[4\].*got \[3\]/,
    );
    expect(() => tg.conv2d(rand64([3, 4, 4], 1), rand64([4, 3, 3, 3], 2))).toThrow(
      /conv2d: input must be 4-D \[N, C, H, W\], got \[3,4,4\]/,
    );
    expect(() => tg.conv2d(x, rand64([4, 3, 3], 2))).toThrow(/conv2d: weight must be 4-D/);
    expect(() => tg.conv2d(x, rand64([4, 3, 3, 3], 2), null, { stride: 0 })).toThrow(
      /conv2d: stride must be a positive integer/,
    );
    expect(() => tg.conv2d(x, rand64([4, 3, 3, 3], 2), null, { padding: -1 })).toThrow(
      /conv2d: padding must be a non-negative integer/,
    );
    expect(() => tg.conv2d(x, tg.ones([4, 3, 3, 3]))).toThrow(/conv2d: dtypes differ/);
  });
});

describe('maxPool2d and avgPool2d', () => {
  const grid = () => t64([1, 5, 2, 0, 3, 4, 8, 6, 9, 7, 1, 2, 0, 6, 3, 4], [1, 1, 4, 4]);

  it('forward values by hand (2×2 windows)', () => {
    expect(tg.maxPool2d(grid(), 2).toArray()).toBeAllClose([5, 8, 9, 4], { rtol: 0, atol: 0 });
    expect(tg.avgPool2d(grid(), 2).toArray()).toBeAllClose([13 / 4, 16 / 4, 22 / 4, 10 / 4], {
      rtol: 1e-15,
      atol: 1e-15,
    });
    // 3×3 windows with stride 1 overlap: max of each 3×3 block.
    expect(grid().maxPool2d(3, 1).toArray()).toBeAllClose([9, 8, 9, 8], { rtol: 0, atol: 0 });
    // padding 1 with a 3×3 window, stride 2: padded zeros count in the average (count_include_pad).
    const y = tg.avgPool2d(grid(), 3, 2, 1);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(y.toArray()).toBeAllClose(
      [
        (1 + 5 + 3 + 4) / 9,
        (5 + 2 + 0 + 4 + 8 + 6) / 9,
        (3 + 4 + 9 + 7 + 0 + 6) / 9,
        (4 + 8 + 6 + 7 + 1 + 2 + 6 + 3 + 4) / 9,
      ],
      { rtol: 1e-15, atol: 1e-15 },
    );
  });

  it('output size is ⌊(H + 2p − k)/s⌋ + 1 per axis', () => {
    const x = rand64([2, 3, 7, 8], 1);
    expect(tg.maxPool2d(x, 3, 2, 1).shape).toEqual([2, 3, 4, 4]);
    expect(tg.avgPool2d(x, [2, 3], [2, 1]).shape).toEqual([2, 3, 3, 6]);
    expect(tg.maxPool2d(x, 2).shape).toEqual([2, 3, 3, 4]);
  });

  it('max-pool gradients match (non-overlapping, overlapping, padded windows; no ties)', () => {
    const x = rand64([2, 2, 5, 6], 31); // continuous random values: no ties
    expectGradientsMatch((t) => tg.maxPool2d(t, 2), [x]);
    expectGradientsMatch((t) => tg.maxPool2d(t, 3, 1), [x]);
    expectGradientsMatch((t) => tg.maxPool2d(t, 3, 2, 1), [x]);
    expectGradientsMatch((t) => tg.maxPool2d(t, [2, 3], [1, 2]), [x]);
  });

  it('max-pool sends each window gradient to its maximum', () => {
    const x = grid().requireGrad();
    tg.sum(tg.maxPool2d(x, 2)).backward();
    expect([...x.grad!.toArray()]).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('avg-pool gradients match (non-overlapping, overlapping, padded, non-square)', () => {
    const x = rand64([2, 2, 5, 6], 32);
    expectGradientsMatch((t) => tg.avgPool2d(t, 2), [x]);
    expectGradientsMatch((t) => tg.avgPool2d(t, 3, 1), [x]);
    expectGradientsMatch((t) => tg.avgPool2d(t, 3, 2, 1), [x]);
    expectGradientsMatch((t) => tg.avgPool2d(t, [2, 3], [1, 2], [1, 0]), [x]);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => tg.maxPool2d(rand64([4, 4], 1), 2)).toThrow(
      /maxPool2d: input must be 4-D \[N, C, H, W\], got \[4,4\]/,
    );
    expect(() => tg.maxPool2d(rand64([1, 1, 4, 4], 1), 3, 1, 2)).toThrow(
      /maxPool2d: padding \[2, 2\] must be at most half of kernelSize \[3, 3\]/,
    );
    expect(() => tg.avgPool2d(rand64([1, 1, 2, 2], 1), 3)).toThrow(
      /avgPool2d: kernel 3x3 is larger than the padded input 2x2/,
    );
    expect(() => tg.avgPool2d(rand64([1, 1, 4, 4], 1), 0)).toThrow(
      /avgPool2d: kernelSize must be a positive integer/,
    );
  });
});

describe('dropout', () => {
  it('the same seed gives the same mask; another seed another', () => {
    const x = tg.ones([1000], f64);
    const a = tg.dropout(x, 0.5, { rng: new tg.Generator(7) }).toArray();
    const b = tg.dropout(x, 0.5, { rng: new tg.Generator(7) }).toArray();
    const c = tg.dropout(x, 0.5, { rng: new tg.Generator(8) }).toArray();
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
  });

  it('zeroes about p of the elements, scales the rest by 1/(1−p), and preserves the mean', () => {
    const p = 0.3;
    const n = 20000;
    const x = tg.full([n], 2, f64);
    const y = tg.dropout(x, p, { rng: new tg.Generator(1) }).toArray();
    let zeros = 0;
    for (const v of y) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(2 / (1 - p), 14);
    }
    // Binomial: sd of the zero fraction is sqrt(p(1−p)/n) ≈ 0.0032; allow 5 sd.
    expect(Math.abs(zeros / n - p)).toBeLessThan(0.017);
    const meanY = Array.from(y).reduce((s, v) => s + v, 0) / n;
    // sd of the mean: 2·sqrt(p/(1−p)/n) ≈ 0.0093; allow 5 sd.
    expect(Math.abs(meanY - 2)).toBeLessThan(0.047);
  });

  it('reuses the forward mask in backward, and the gradient matches', () => {
    const x = rand64([4, 5], 3).requireGrad();
    const y = tg.dropout(x, 0.4, { rng: new tg.Generator(3) });
    tg.sum(y).backward();
    const mask = y.toArray().map((v, i) => v / x.toArray()[i]);
    expect(x.grad!.toArray()).toBeAllClose(mask, { rtol: 1e-14, atol: 1e-14 });
    expectGradientsMatch(
      (t) => tg.dropout(t, 0.5, { rng: new tg.Generator(5) }),
      [rand64([3, 4], 4)],
    );
  });

  it('is the identity when not training or when p = 0', () => {
    const x = rand64([3, 3], 1);
    expect(tg.dropout(x, 0.5, { rng: new tg.Generator(1), training: false })).toBe(x);
    expect(tg.dropout(x, 0.5, { training: false })).toBe(x);
    expect(tg.dropout(x, 0, { rng: new tg.Generator(1) })).toBe(x);
  });

  it('rejects p outside [0, 1) and a missing generator', () => {
    const x = rand64([3], 1);
    const rng = new tg.Generator(1);
    expect(() => tg.dropout(x, 1, { rng })).toThrow(
      /dropout: probability p must be in \[0, 1\), got 1/,
    );
    expect(() => tg.dropout(x, -0.1, { rng })).toThrow(/got -0.1/);
    expect(() => tg.dropout(x, Number.NaN, { rng })).toThrow(/got NaN/);
    expect(() => tg.dropout(x, 0.5)).toThrow(/dropout: pass a seeded Generator as \{ rng \}/);
  });
});
