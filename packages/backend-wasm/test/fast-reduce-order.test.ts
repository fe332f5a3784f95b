/**
 * The fast backend's float32 sum accumulates each output in float64, adding the input's elements in
 * memory order, and rounds once: a fixed order, so results do not depend on how the loops are
 * arranged (reduce.ts sums four rows side by side when they land on consecutive outputs). Checked
 * bit for bit against that definition, written out as one plain loop, on kept axes that do and do
 * not divide by four.
 */
import { describe, expect, it } from 'vitest';
import { Generator } from '@thermograd/autograd';
import '../src/index.js';
import { reduceFloats } from '../src/reduce.js';

/** Σ in float64 over the input in memory order, per output element, rounded once to float32. */
function sumInOrder(x: Float32Array, shape: number[], axes: number[]): number[] {
  const outShape = shape.filter((_, a) => !axes.includes(a));
  const acc = new Float64Array(outShape.reduce((p, q) => p * q, 1));
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    for (let a = 0; a < shape.length; a++) if (!axes.includes(a)) o = o * shape[a] + index[a];
    acc[o] += x[i];
    for (let a = shape.length - 1; a >= 0 && ++index[a] === shape[a]; a--) index[a] = 0;
  }
  return Array.from(acc, (v) => Math.fround(v));
}

describe('fast backend: float32 sums in a fixed order', () => {
  const rng = new Generator(3);
  for (const [shape, axes] of [
    [
      [6, 16, 49],
      [0, 2],
    ], // conv bias gradient: four channels at a time
    [
      [5, 7, 33],
      [0, 2],
    ], // 7 channels: groups of four and a remainder of three
    [
      [3, 3, 10],
      [0, 2],
    ], // fewer than four
    [
      [4, 9, 2, 13],
      [0, 2, 3],
    ],
    [[2, 5, 6, 7], [3]],
    [[11, 6], [1]],
    [
      [3, 4, 5, 6],
      [1, 3],
    ],
  ] as [number[], number[]][]) {
    it(`${JSON.stringify(shape)} over ${JSON.stringify(axes)}`, () => {
      const x = new Float32Array(shape.reduce((p, q) => p * q, 1));
      // Some ±2^60 among small values: a small value added while a huge one is pending is lost,
      // so a different order gives a different sum (reversed, about one row in ten differs here).
      for (let i = 0; i < x.length; i++)
        x[i] =
          rng.uniform() < 0.2 ? (rng.uniform() < 0.5 ? 2 ** 60 : -(2 ** 60)) : rng.uniform() - 0.5;
      expect(Array.from(reduceFloats('sum', x, shape, axes))).toEqual(sumInOrder(x, shape, axes));
    });
  }
});
