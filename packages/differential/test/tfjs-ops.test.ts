/**
 * The differential suite: every op's values and gradients on every backend against TensorFlow.js
 * (tfjs-cases.ts), in float32. Each case runs plain, with its inputs made by a transpose and by a
 * slice of a larger tensor (so the ops see inputs that were not created contiguous-and-fresh), and
 * at its large and tiny scales; TF.js computes each variant once and every backend is compared with
 * it. Gradients are of ⟨dy, f⟩ for a seeded random dy, in TF.js from tf.grads.
 */
import { describe, expect, it } from 'vitest';
import {
  Generator,
  slice,
  tensor,
  transpose,
  withBackend,
  type Tensor,
} from '@thermograd/autograd';
import { NOT_OPS, conformanceTolerance } from '@thermograd/autograd/testing';
import * as ops from '../../autograd/src/ops/index.js';
import { BACKENDS } from './backends.js';
import { CASES, NOT_DIFFERENTIAL, size, type DiffCase, type Input } from './tfjs-cases.js';
import { tf, tfjsRun } from './tfjs.js';

type View = 'plain' | 'transposed' | 'sliced';

/** The stored tensor an input of `shape` is made from under a view. */
function baseShape(shape: number[], view: View): number[] {
  if (view === 'transposed' && shape.length >= 2) {
    const s = [...shape];
    [s[s.length - 2], s[s.length - 1]] = [s[s.length - 1], s[s.length - 2]];
    return s;
  }
  if (view === 'sliced') return shape.map((d) => d + 2);
  return shape;
}

function oursView(base: Tensor, shape: number[], view: View): Tensor {
  const r = shape.length;
  if (view === 'transposed' && r >= 2) return transpose(base, r - 2, r - 1);
  if (view === 'sliced')
    return slice(
      base,
      shape.map(() => 1),
      shape.map((d) => d + 1),
    );
  return base;
}

function theirView(base: tf.Tensor, shape: number[], view: View): tf.Tensor {
  const r = shape.length;
  if (view === 'transposed' && r >= 2) {
    const perm = [...Array(r).keys()];
    [perm[r - 2], perm[r - 1]] = [r - 1, r - 2];
    return tf.transpose(base, perm);
  }
  if (view === 'sliced')
    return tf.slice(
      base,
      shape.map(() => 1),
      shape,
    );
  return base;
}

function baseValues(input: Input, shape: number[], scale: number, rng: Generator): Float32Array {
  if (input.values) return Float32Array.from(input.values);
  const { low = -1, high = 1 } = input;
  const k = input.fixed ? 1 : scale;
  return Float32Array.from({ length: size(shape) }, () => {
    const v = low + (high - low) * rng.uniform();
    return (input.integers ? Math.round(v) : v) * k;
  });
}

interface Variant {
  view: View;
  scale: number;
}

function variants(c: DiffCase): Variant[] {
  const views: View[] = c.views === false ? ['plain'] : ['plain', 'transposed', 'sliced'];
  return [
    ...views.map((view) => ({ view, scale: 1 })),
    ...(c.scales ?? []).map((scale) => ({ view: 'plain' as const, scale })),
  ];
}

function check(c: DiffCase, caseIndex: number, { view, scale }: Variant): void {
  const drawn = c.draw(new Generator(1000 + caseIndex));
  const rng = new Generator(7 * caseIndex + 1);
  const shapes = drawn.inputs.map((i) => baseShape(i.shape, i.values ? 'plain' : view));
  const bases = drawn.inputs.map((input, k) => baseValues(input, shapes[k], scale, rng));
  const viewOf = (k: number): View => (drawn.inputs[k].values ? 'plain' : view);
  const withGrad = c.grad !== false;

  // TF.js once per variant; every backend is compared with it.
  const dyRng = new Generator(31 + caseIndex);
  const want = tfjsRun(
    (...xs) => drawn.theirs(...xs.map((x, k) => theirView(x, drawn.inputs[k].shape, viewOf(k)))),
    bases.map((values, k) => ({
      values,
      shape: shapes[k],
      grad: withGrad && drawn.inputs[k].grad !== false,
    })),
    withGrad ? (n) => Float32Array.from({ length: n }, () => dyRng.uniform() * 2 - 1) : null,
  );
  const dy = want.dy;
  const tol = c.tol ?? 1e-4;

  for (const backend of BACKENDS) {
    withBackend(backend, () => {
      const xs = bases.map((values, k) =>
        tensor(values, shapes[k], { requiresGrad: withGrad && drawn.inputs[k].grad !== false }),
      );
      const y = drawn.ours(...xs.map((x, k) => oursView(x, drawn.inputs[k].shape, viewOf(k))));
      const where = `${backend}, ${view}, scale ${scale}`;
      expect(y.shape, `${where}: output shape`).toEqual(want.shape);
      expect(y.dataSync(), `${where}: value`).toBeAllClose(
        want.y,
        conformanceTolerance(want.y, tol),
      );
      if (!withGrad || !y.requiresGrad) return;
      y.backward(tensor(dy!, y.shape));
      xs.forEach((x, k) => {
        if (drawn.inputs[k].grad === false) return;
        const g = want.grads![k];
        expect(x.grad!.dataSync(), `${where}: gradient of input ${k}`).toBeAllClose(
          g,
          conformanceTolerance(g, tol),
        );
      });
    });
  }
}

describe('every op on every backend against TensorFlow.js', () => {
  CASES.forEach((c, i) => {
    for (const v of variants(c)) {
      it(`${c.name} [${v.view}${v.scale === 1 ? '' : `, ×${v.scale}`}]`, () => check(c, i, v));
    }
  });

  it('covers every exported op (or says why an op has no TF.js counterpart)', () => {
    const covered = new Set(CASES.flatMap((c) => c.covers));
    const missing = Object.entries(ops)
      .filter(([name, v]) => typeof v === 'function' && !NOT_OPS.has(name))
      .map(([name]) => name)
      .filter((name) => !covered.has(name) && !(name in NOT_DIFFERENTIAL));
    expect(missing).toEqual([]);
  });
});
