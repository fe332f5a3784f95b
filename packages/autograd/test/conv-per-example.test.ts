/**
 * conv2d's per-example gradient statistics against the definition: for the batch-mean loss
 * L = (1/B) Σ_b l_b, ĝ_b is the gradient of l_b alone, i.e. of the same net run on example b only.
 */
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { rand64 } from './helpers.js';

const B = 4;
const classes = 3;

interface Params {
  w1: tg.Tensor;
  b1: tg.Tensor;
  w2: tg.Tensor;
  b2: tg.Tensor;
}

function makeParams(): Params {
  return {
    w1: rand64([3, 2, 3, 2], 1, -0.6, 0.6).requireGrad(),
    b1: rand64([3], 2, -0.3, 0.3).requireGrad(),
    w2: rand64([2, 3, 2, 2], 3, -0.6, 0.6).requireGrad(),
    b2: rand64([2], 4, -0.3, 0.3).requireGrad(),
  };
}

const x = rand64([B, 2, 6, 5], 10);
const labels = [2, 0, 1, 2];
// conv1 (padding [1, 0]) -> [B,3,6,4]; maxPool 2 -> [B,3,3,2]; conv2 stride 1 padding 1 -> [B,2,4,3].
const readout = rand64([2 * 4 * 3, classes], 20); // fixed, not a parameter

function net(input: tg.Tensor, p: Params): tg.Tensor {
  let h = tg.relu(tg.conv2d(input, p.w1, p.b1, { padding: [1, 0] }));
  h = tg.maxPool2d(h, 2);
  h = tg.tanh(tg.conv2d(h, p.w2, p.b2, { stride: 1, padding: 1 }));
  return tg.matmul(tg.flatten(h), readout);
}

function example(t: tg.Tensor, b: number): tg.Tensor {
  const per = t.size / t.shape[0];
  return tg.tensor(t.toArray().slice(b * per, (b + 1) * per), [1, ...t.shape.slice(1)], {
    dtype: t.dtype,
  });
}

/** The gradient of example b's own loss, from a separate backward pass on that example alone. */
function separateGradients(b: number): Map<string, Float64Array> {
  const p = makeParams();
  tg.crossEntropy(net(example(x, b), p), [labels[b]]).backward();
  return new Map(
    Object.entries(p).map(([name, t]) => [name, Float64Array.from(t.grad!.toArray())]),
  );
}

const squaredNorm = (v: ArrayLike<number>) => Array.from(v).reduce((s, g) => s + g * g, 0);

describe('conv2d per-example gradients', () => {
  const separate = Array.from({ length: B }, (_, b) => separateGradients(b));

  it("'grads' mode: each example's gradient equals a separate backward pass on that example", () => {
    const p = makeParams();
    tg.crossEntropy(net(x, p), labels).backward(undefined, { perExample: 'grads' });
    for (const [name, param] of Object.entries(p)) {
      const record = param.perExample;
      expect(record, name).not.toBeNull();
      const grads = record!.grads!;
      const per = param.size;
      expect(grads.length).toBe(B * per);
      for (let b = 0; b < B; b++) {
        const expected = separate[b].get(name)!;
        expect(grads.slice(b * per, (b + 1) * per)).toBeAllClose(expected, {
          rtol: 1e-12,
          atol: 1e-12,
        });
        expect([record!.sqNorms[b]]).toBeAllClose([squaredNorm(expected)], {
          rtol: 1e-12,
          atol: 1e-12,
        });
      }
      // And the batch gradient is their mean.
      const meanGrad = Array.from(
        { length: per },
        (_, i) => separate.reduce((s, g) => s + g.get(name)![i], 0) / B,
      );
      expect(param.grad!.toArray()).toBeAllClose(meanGrad, { rtol: 1e-12, atol: 1e-12 });
    }
  });

  it("'norms' mode: the same squared norms, without the gradients", () => {
    const p = makeParams();
    tg.crossEntropy(net(x, p), labels).backward(undefined, { perExample: 'norms' });
    for (const [name, param] of Object.entries(p)) {
      expect(param.perExample!.grads).toBeUndefined();
      for (let b = 0; b < B; b++)
        expect([param.perExample!.sqNorms[b]]).toBeAllClose([squaredNorm(separate[b].get(name)!)], {
          rtol: 1e-12,
          atol: 1e-12,
        });
    }
  });

  it("a weight used by two conv2d calls: 'grads' mode sums its per-example gradients; 'norms' mode refuses", () => {
    const w = rand64([2, 2, 3, 3], 30, -0.5, 0.5).requireGrad();
    const input = rand64([3, 2, 5, 5], 31);
    const shared = (inp: tg.Tensor, weight: tg.Tensor) => {
      const h = tg.tanh(tg.conv2d(inp, weight, null, { padding: 1 }));
      return tg.matmul(tg.flatten(tg.conv2d(h, weight)), rand64([2 * 3 * 3, 2], 32));
    };
    const y = [1, 0, 1];
    tg.crossEntropy(shared(input, w), y).backward(undefined, { perExample: 'grads' });
    for (let b = 0; b < 3; b++) {
      const wb = w.detach().requireGrad();
      tg.crossEntropy(shared(example(input, b), wb), [y[b]]).backward();
      const expected = wb.grad!.toArray();
      expect(w.perExample!.grads!.slice(b * w.size, (b + 1) * w.size)).toBeAllClose(expected, {
        rtol: 1e-12,
        atol: 1e-12,
      });
      expect([w.perExample!.sqNorms[b]]).toBeAllClose([squaredNorm(expected)], {
        rtol: 1e-12,
        atol: 1e-12,
      });
    }
    const w2 = w.detach().requireGrad();
    expect(() =>
      tg.crossEntropy(shared(input, w2), y).backward(undefined, { perExample: 'norms' }),
    ).toThrow(/used more than once/);
  });
});
