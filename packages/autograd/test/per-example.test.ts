/**
 * Per-example gradient statistics against their definition: for a loss L = (1/B) Σ_b l_b, ĝ_b is
 * the gradient of example b's own loss l_b, which one backward pass per example (batch of one)
 * computes directly. Everything in float64, so the tolerances are tight.
 */
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { Generator, Tensor } from '../src/index.js';
import { rand64 } from './helpers.js';

const f64 = { dtype: 'float64' as const };

/** Example b of x (leading axis), as a batch of one. */
function example(x: Tensor, b: number): Tensor {
  const per = x.size / x.shape[0];
  return tg.tensor(x.toArray().slice(b * per, (b + 1) * per), [1, ...x.shape.slice(1)], f64);
}

/** ĝ_b for every parameter, by B separate backward passes. */
function separateGrads(
  model: tg.Module,
  lossOf: (x: Tensor, labels: number[]) => Tensor,
  x: Tensor,
  labels: number[],
): Map<string, Float64Array>[] {
  return labels.map((label, b) => {
    model.zeroGrad();
    lossOf(example(x, b), [label]).backward();
    return new Map(model.namedParameters().map(([n, p]) => [n, p.grad!.toArray() as Float64Array]));
  });
}

const squaredNorm = (v: ArrayLike<number>) => Array.from(v).reduce((s, x) => s + x * x, 0);

/**
 * Compares perExampleStats (and perExampleGrads in 'grads' mode) with separate passes. The loss is
 * the batch mean of the per-example cross-entropies, or their sum: ĝ_b is the same either way.
 */
function checkAgainstSeparatePasses(
  model: tg.Module,
  forward: (x: Tensor) => Tensor,
  x: Tensor,
  labels: number[],
  reduction: 'mean' | 'sum' = 'mean',
): void {
  const lossOf = (input: Tensor, ys: number[]) =>
    tg.crossEntropy(forward(input), ys, { reduction });
  const expected = separateGrads(model, lossOf, x, labels);
  const B = labels.length;

  for (const mode of ['norms', 'grads'] as const) {
    model.zeroGrad();
    const loss = lossOf(x, labels);
    loss.backward(undefined, { perExample: mode });
    const stats = tg.perExampleStats(model);
    expect(stats.batchSize).toBe(B);
    expect([...stats.perParam.keys()]).toEqual(model.namedParameters().map(([n]) => n));
    const total = new Float64Array(B);
    for (const [name, sq] of stats.perParam) {
      for (let b = 0; b < B; b++) {
        const want = squaredNorm(expected[b].get(name)!);
        total[b] += want;
        expect([sq[b]]).toBeAllClose([want], { rtol: 1e-12, atol: 1e-12 });
      }
    }
    expect(stats.total).toBeAllClose(total, { rtol: 1e-12, atol: 1e-12 });

    // The mean (the sum, for a sum) of the per-example gradients is the batch gradient.
    const per = reduction === 'mean' ? B : 1;
    if (mode === 'grads') {
      const grads = tg.perExampleGrads(model);
      for (const [name, p] of model.namedParameters()) {
        const g = grads.get(name)!;
        expect(g.length).toBe(B * p.size);
        const mean = new Float64Array(p.size);
        for (let b = 0; b < B; b++) {
          expect(g.slice(b * p.size, (b + 1) * p.size)).toBeAllClose(expected[b].get(name)!, {
            rtol: 1e-12,
            atol: 1e-12,
          });
          for (let i = 0; i < p.size; i++) mean[i] += g[b * p.size + i] / per;
        }
        expect(mean).toBeAllClose(p.grad!.toArray(), { rtol: 1e-12, atol: 1e-12 });
      }
    } else {
      expect(() => tg.perExampleGrads(model)).toThrow(
        /has only per-example norms; run loss.backward\(undefined, \{ perExample: 'grads' \}\)/,
      );
    }
  }
}

describe('per-example gradients of linear', () => {
  it('the cheap identity |ĝ_b(W)|² = |x_b|²·|δ_b|² holds on a hand-computed case', () => {
    // L = mean_b sum(y_b) with y = x·Wᵀ: dy_b = 1/B, δ_b = 1 (all ones, out = 2), ĝ_b(W) = [x_b; x_b].
    const w = tg
      .tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        undefined,
        f64,
      )
      .requireGrad();
    const x = tg.tensor(
      [
        [1, 0, 0],
        [1, 2, 2],
      ],
      undefined,
      f64,
    );
    tg.mean(tg.sum(tg.linear(x, w), 1)).backward(undefined, { perExample: 'grads' });
    expect(w.perExample!.sqNorms).toBeAllClose([2 * 1, 2 * 9], { rtol: 1e-15, atol: 1e-15 });
    expect(w.perExample!.grads!).toBeAllClose([1, 0, 0, 1, 0, 0, 1, 2, 2, 1, 2, 2], {
      rtol: 1e-15,
      atol: 1e-15,
    });
  });

  it('x of shape [B, T, in]: per-example gradients sum over T', () => {
    const rng = new Generator(4);
    const layer = new tg.Linear(3, 2, { rng, dtype: 'float64' });
    const x = rand64([4, 5, 3], 5);
    const targets = rand64([4, 5, 2], 6);
    // l_b = Σ_{t,o} (y − target)² for example b; L = mean over the batch.
    const lossOf = (input: Tensor, target: Tensor) =>
      tg.mean(tg.sum(tg.square(tg.sub(layer.forward(input), target)), [1, 2]));
    const expected = [0, 1, 2, 3].map((b) => {
      layer.zeroGrad();
      lossOf(example(x, b), example(targets, b)).backward();
      return layer.namedParameters().map(([, p]) => p.grad!.toArray());
    });
    for (const mode of ['norms', 'grads'] as const) {
      layer.zeroGrad();
      lossOf(x, targets).backward(undefined, { perExample: mode });
      layer.namedParameters().forEach(([, p], k) => {
        for (let b = 0; b < 4; b++) {
          expect([p.perExample!.sqNorms[b]]).toBeAllClose([squaredNorm(expected[b][k])], {
            rtol: 1e-12,
            atol: 1e-12,
          });
          if (mode === 'grads')
            expect(p.perExample!.grads!.slice(b * p.size, (b + 1) * p.size)).toBeAllClose(
              expected[b][k],
              { rtol: 1e-12, atol: 1e-12 },
            );
        }
      });
    }
  });
});

describe('per-example statistics of models', () => {
  it('MLP (Linear-ReLU-Linear, mean cross-entropy): norms, grads and total match B separate passes', () => {
    const rng = new Generator(1);
    const model = new tg.Sequential(
      new tg.Linear(4, 6, { rng, dtype: 'float64' }),
      new tg.ReLU(),
      new tg.Linear(6, 3, { rng, dtype: 'float64' }),
    );
    const x = rand64([5, 4], 2, -2, 2);
    checkAgainstSeparatePasses(model, (t) => model.forward(t), x, [0, 2, 1, 1, 0]);
  });

  it('MLP without biases, with tanh', () => {
    const rng = new Generator(2);
    const model = new tg.Sequential(
      new tg.Linear(3, 5, { rng, bias: false, dtype: 'float64' }),
      new tg.Tanh(),
      new tg.Linear(5, 2, { rng, bias: false, dtype: 'float64' }),
    );
    checkAgainstSeparatePasses(model, (t) => model.forward(t), rand64([3, 3], 3), [1, 0, 1]);
  });

  for (const reduction of ['mean', 'sum'] as const) {
    it(`CNN (Conv2d-ReLU-MaxPool2d-Flatten-Linear), ${reduction} loss: norms, grads and total match B separate passes`, () => {
      const rng = new Generator(3);
      const model = new tg.Sequential(
        new tg.Conv2d(2, 3, 3, { rng, padding: 1, dtype: 'float64' }),
        new tg.ReLU(),
        new tg.MaxPool2d(2),
        new tg.Flatten(),
        new tg.Linear(3 * 2 * 2, 4, { rng, dtype: 'float64' }),
      );
      const x = rand64([3, 2, 4, 4], 4);
      checkAgainstSeparatePasses(model, (t) => model.forward(t), x, [3, 0, 2], reduction);
    });
  }

  it('a sum-reduced squared error: |ĝ_b|² of l_b, not B² times it', () => {
    // L = Σ_b |x_b·Wᵀ − y_b|²: ĝ_b = 2 (x_b·Wᵀ − y_b)ᵀ x_b, the gradient of l_b alone.
    const w = tg.tensor([[0.5, -1, 2]], undefined, f64).requireGrad();
    const x = tg.tensor(
      [
        [1, 2, 0],
        [0, 1, 1],
      ],
      undefined,
      f64,
    );
    const y = tg.tensor([[1], [-1]], undefined, f64);
    tg.linear(x, w).sub(y).square().sum().backward({ perExample: 'norms' });
    // r = x·Wᵀ − y = [-2.5, 2]: ĝ_0 = −5·[1, 2, 0], ĝ_1 = 4·[0, 1, 1].
    expect(w.perExample!.sqNorms).toBeAllClose([25 * 5, 16 * 2], { rtol: 1e-14 });
  });

  it('refuses a loss that is not the batch mean or sum taken last, saying what it must be', () => {
    const w = tg.tensor([[0.5, -1]], undefined, f64).requireGrad();
    const x = rand64([3, 2], 11);
    for (const loss of [
      tg.linear(x, w).square().mean().mul(2),
      tg.linear(x, w).square().mean(1),
      tg.crossEntropy(tg.linear(x, w.detach().requireGrad()), [0, 0, 0], { reduction: 'none' }),
    ]) {
      expect(() => loss.backward(tg.onesLike(loss), { perExample: 'norms' })).toThrow(
        /per-example statistics: the loss must be the mean or the sum over the batch, taken last/,
      );
    }
  });

  it('a parameter used twice: summed per-example gradients in grads mode, a clear error in norms mode', () => {
    class Twice extends tg.Module {
      fc = new tg.Linear(3, 3, { rng: new Generator(5), dtype: 'float64' });
      forward(x: Tensor) {
        return this.fc.forward(tg.tanh(this.fc.forward(x)));
      }
    }
    const model = new Twice();
    const x = rand64([4, 3], 6);
    const labels = [0, 1, 2, 1];
    const expected = separateGrads(
      model,
      (t, y) => tg.crossEntropy(model.forward(t), y),
      x,
      labels,
    );
    model.zeroGrad();
    tg.crossEntropy(model.forward(x), labels).backward(undefined, { perExample: 'grads' });
    const grads = tg.perExampleGrads(model);
    const stats = tg.perExampleStats(model);
    for (const [name, p] of model.namedParameters()) {
      for (let b = 0; b < 4; b++) {
        expect(grads.get(name)!.slice(b * p.size, (b + 1) * p.size)).toBeAllClose(
          expected[b].get(name)!,
          { rtol: 1e-12, atol: 1e-12 },
        );
        expect([stats.perParam.get(name)![b]]).toBeAllClose([squaredNorm(expected[b].get(name)!)], {
          rtol: 1e-12,
          atol: 1e-12,
        });
      }
    }
    model.zeroGrad();
    expect(() =>
      tg.crossEntropy(model.forward(x), labels).backward(undefined, { perExample: 'norms' }),
    ).toThrow(
      /'fc.weight' Tensor\[3,3\] float64 is used more than once in the graph; use backward\(\{ perExample: 'grads' \}\)/,
    );
    // Before namedParameters() has named it, the message says how to get the name.
    const fresh = new Twice();
    expect(() =>
      tg.crossEntropy(fresh.forward(x), labels).backward(undefined, { perExample: 'norms' }),
    ).toThrow(
      /the unnamed parameter Tensor\[3,3\] float64 \(call model.namedParameters\(\) once, or set tensor.name, for errors to name it\) is used more than once/,
    );
  });

  it('perExampleStats explains a backward without per-example mode, and a parameter the loss did not use', () => {
    const rng = new Generator(7);
    const model = new tg.Sequential(
      new tg.Linear(2, 2, { rng, dtype: 'float64' }),
      new tg.Linear(2, 2, { rng, dtype: 'float64' }),
    );
    const x = rand64([3, 2], 8);
    expect(() => tg.perExampleStats(model)).toThrow(
      /no parameter has per-example statistics; run loss.backward\(undefined, \{ perExample: 'norms' \}\)/,
    );
    tg.crossEntropy(model.forward(x), [0, 1, 1]).backward();
    expect(() => tg.perExampleStats(model)).toThrow(/no parameter has per-example statistics/);
    model.zeroGrad();
    const first = model.at(0) as tg.Linear;
    tg.crossEntropy(first.forward(x), [0, 1, 1]).backward(undefined, { perExample: 'norms' });
    expect(() => tg.perExampleStats(model)).toThrow(
      /'1.weight', '1.bias' have no per-example statistics \(not used by the loss/,
    );
    // Named pairs work as a source too, and frozen parameters are skipped.
    const stats = tg.perExampleStats(first.namedParameters());
    expect([...stats.perParam.keys()]).toEqual(['weight', 'bias']);
    const second = model.at(1) as tg.Linear;
    for (const p of second.parameters()) p.requireGrad(false);
    expect(tg.perExampleStats(model).perParam.size).toBe(2);
  });

  it('a parameter reached through an op without per-example support is named in the error', () => {
    const w = tg.parameter(rand64([2, 2], 9));
    w.name = 'w';
    const x = rand64([3, 2], 10);
    expect(() =>
      tg.crossEntropy(tg.matmul(x, w), [0, 1, 0]).backward(undefined, { perExample: 'norms' }),
    ).toThrow(/'w' Tensor\[2,2\] float64 gets its gradient from 'matmul'/);
  });
});
