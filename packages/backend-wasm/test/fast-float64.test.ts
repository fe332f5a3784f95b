/**
 * The fast backend's float64 JavaScript loops (src/elementwise.ts, src/reduce.ts) against the
 * reference backend, bit for bit: every binary operator under every kind of broadcast, where, and
 * sum / max / min over several axis sets, with NaN, infinities and signed zeros among the values.
 * The outputs must be float64 storage, never a float32 rounding.
 */
import { describe, expect, it } from 'vitest';
import { Generator, referenceBackend as ref, type Shape } from '@thermograd/autograd';
import { BINARY_OPS } from '@thermograd/autograd/testing';
import { bufferPoolStats, fastBackend } from '../src/index.js';

/** Runs a fast-backend call and checks that its own loops served it (their output is pool storage). */
function served<T>(call: () => T): T {
  const taken = () => bufferPoolStats().hits + bufferPoolStats().misses;
  const before = taken();
  const out = call();
  expect(taken(), 'a fast path, not the reference fallback').toBeGreaterThan(before);
  return out;
}

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-310, 1 / 3];

function values(shape: Shape, seed: number): Float64Array {
  const rng = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  // Values with more bits than float32 holds, a few special ones among them.
  const v = Float64Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * 3 + 1e-9);
  for (let i = 0; i < Math.min(n, SPECIAL.length); i++) v[(i * 7) % n] = SPECIAL[i];
  return v;
}

const BROADCASTS: [Shape, Shape, Shape][] = [
  [
    [3, 40],
    [3, 40],
    [3, 40],
  ], // equal shapes
  [[3, 40], [40], [3, 40]], // a row
  [
    [3, 1],
    [3, 40],
    [3, 40],
  ], // a column (stride-0 rows of a)
  [
    [2, 1, 5],
    [1, 4, 1],
    [2, 4, 5],
  ], // both stretched
  [[], [6], [6]], // a scalar
];

describe('fast backend, float64: binary ops and where against the reference, bit for bit', () => {
  for (const op of BINARY_OPS) {
    it(op, () => {
      BROADCASTS.forEach(([as, bs, os], k) => {
        const a = values(as, 2 * k + 1);
        const b = values(bs, 2 * k + 2);
        const got = served(() => fastBackend.binary(op, a, as, b, bs, os, 'float64'));
        expect(got, `${op} ${JSON.stringify([as, bs])}`).toBeInstanceOf(Float64Array);
        expect(got).toEqual(ref.binary(op, a, as, b, bs, os, 'float64'));
      });
    });
  }

  it('where', () => {
    const [cs, as, bs, os] = [[3, 1], [3, 40], [40], [3, 40]];
    const c = values(cs, 9).map((v) => (v > 0 ? 1 : 0));
    const a = values(as, 10);
    const b = values(bs, 11);
    const got = served(() => fastBackend.where(c, cs, a, as, b, bs, os, 'float64'));
    expect(got).toBeInstanceOf(Float64Array);
    expect(got).toEqual(ref.where(c, cs, a, as, b, bs, os, 'float64'));
  });
});

describe('fast backend, float64: reductions against the reference, bit for bit', () => {
  const shape = [4, 6, 9];
  const x = values(shape, 12).map((v) => (Number.isFinite(v) ? v : 0.5));
  for (const op of ['sum', 'max', 'min'] as const) {
    for (const axes of [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]]) {
      it(`${op} over ${JSON.stringify(axes)}`, () => {
        const got = served(() => fastBackend.reduce(op, x, shape, axes, 'float64'));
        expect(got).toBeInstanceOf(Float64Array);
        expect(got).toEqual(ref.reduce(op, x, shape, axes, 'float64'));
      });
    }
  }
  it('NaN propagates through max and min', () => {
    const withNaN = Float64Array.from([1, NaN, 3, 4, 5, 6]);
    for (const op of ['max', 'min'] as const)
      expect(fastBackend.reduce(op, withNaN, [2, 3], [1], 'float64')).toEqual(
        ref.reduce(op, withNaN, [2, 3], [1], 'float64'),
      );
  });
});
