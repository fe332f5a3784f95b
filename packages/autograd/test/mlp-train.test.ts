/**
 * End to end: a two-layer MLP learns a 2-D problem that no linear classifier can (a disc inside a
 * ring: the classes are separable only by a closed curve), with plain gradient descent written
 * here, Φ ← Φ − η·ĝ, on the float32 reference backend.
 */
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { Generator } from '../src/index.js';

/** Class 0: a disc of radius 1; class 1: a ring 1.4 < r < 2.2 around it (a margin of 0.4). */
function discInRing(n: number, rng: Generator): { x: tg.Tensor; labels: number[] } {
  const values: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    // Area-uniform radius inside each class's annulus.
    const [r0, r1] = label === 0 ? [0, 1] : [1.4, 2.2];
    const r = Math.sqrt(r0 * r0 + (r1 * r1 - r0 * r0) * rng.uniform());
    const angle = 2 * Math.PI * rng.uniform();
    values.push(r * Math.cos(angle), r * Math.sin(angle));
    labels.push(label);
  }
  return { x: tg.tensor(values, [n, 2]), labels };
}

function accuracy(logits: tg.Tensor, labels: number[]): number {
  const v = logits.dataSync();
  const classes = logits.shape[1];
  let correct = 0;
  labels.forEach((label, b) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (v[b * classes + c] > v[b * classes + best]) best = c;
    if (best === label) correct++;
  });
  return correct / labels.length;
}

describe('training an MLP', () => {
  it('reaches ≥ 99 % training accuracy on a disc inside a ring with plain gradient descent', () => {
    const rng = new Generator(2024);
    const { x, labels } = discInRing(256, rng);
    const model = new tg.Sequential(
      new tg.Linear(2, 16, { rng }),
      new tg.Tanh(),
      new tg.Linear(16, 2, { rng }),
    );
    const params = model.parameters();
    const lr = 0.5;

    const initialLoss = tg.crossEntropy(model.forward(x), labels).item();
    const initialAccuracy = accuracy(model.forward(x), labels);
    let loss = initialLoss;
    for (let step = 0; step < 400; step++) {
      model.zeroGrad();
      const l = tg.crossEntropy(model.forward(x), labels);
      l.backward();
      loss = l.item();
      tg.noGrad(() => {
        for (const p of params) p.assign(tg.sub(p, tg.mul(p.grad!, lr)));
      });
    }
    const trained = tg.noGrad(() => model.forward(x));
    expect(initialAccuracy).toBeLessThan(0.8); // the task is not solved at initialisation
    expect(loss).toBeLessThan(initialLoss / 5);
    expect(accuracy(trained, labels)).toBeGreaterThanOrEqual(0.99);
  });
});
