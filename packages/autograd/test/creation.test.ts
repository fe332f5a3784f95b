import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

describe('factories', () => {
  it('build tensors from nested arrays, flat values with a shape, and numbers', () => {
    expect(
      tg.tensor([
        [1, 2],
        [3, 4],
      ]).shape,
    ).toEqual([2, 2]);
    expect(tg.tensor([1, 2, 3, 4, 5, 6], [2, 3]).toNested()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tg.scalar(3).shape).toEqual([]);
    expect(tg.tensor(new Float32Array([1, 2])).dtype).toBe('float32');
    expect(tg.tensor([1], undefined, { dtype: 'float64' }).toArray()).toBeInstanceOf(Float64Array);
  });

  it('zeros, ones, full, arange, eye', () => {
    expect([...tg.zeros([2]).toArray()]).toEqual([0, 0]);
    expect([...tg.ones([3]).toArray()]).toEqual([1, 1, 1]);
    expect([...tg.full([2], 7).toArray()]).toEqual([7, 7]);
    expect([...tg.arange(5).toArray()]).toEqual([0, 1, 2, 3, 4]);
    expect([...tg.arange(1, 2, 0.25).toArray()]).toEqual([1, 1.25, 1.5, 1.75]);
    expect(tg.eye(2, 3).toNested()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });

  it('reject bad input clearly', () => {
    expect(() => tg.tensor([1, 2, 3], [2, 2])).toThrow(
      'tensor: 3 values do not fill shape [2,2] (4 elements)',
    );
    expect(() => tg.tensor([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => tg.zeros([2, -1])).toThrow(/invalid shape \[2,-1\]/);
    expect(() => tg.zeros([1.5])).toThrow(/invalid shape/);
    expect(() => tg.full([2], NaN)).toThrow(/fill value/);
    expect(() => tg.arange(0, Infinity)).toThrow(/end must be a finite number/);
    expect(() => tg.arange(0, 1, 0)).toThrow(/step must not be 0/);
    expect(() => tg.normal([2], 0, -1, { rng: new tg.Generator(0) })).toThrow(/std must be ≥ 0/);
    expect(() => tg.uniform([2], 0, NaN, { rng: new tg.Generator(0) })).toThrow(
      /high must be a finite number/,
    );
    expect(() => tg.randn([2], {} as never)).toThrow(/pass a seeded generator/);
    expect(() => tg.zeros([2], { dtype: 'int8' as never })).toThrow(/unknown dtype "int8"/);
  });
});

describe('seeded randomness', () => {
  it('the same seed gives the same bits', () => {
    const a = tg.randn([100], { rng: new tg.Generator(42) }).toArray();
    const b = tg.randn([100], { rng: new tg.Generator(42) }).toArray();
    const c = tg.randn([100], { rng: new tg.Generator(43) }).toArray();
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
    const m = tg.randn([100], { rng: tg.manualSeed(42) }).toArray();
    expect(Buffer.from(m.buffer).equals(Buffer.from(a.buffer))).toBe(true);
  });

  it('a generator resumes exactly from its saved state, also mid normal pair', () => {
    const g = new tg.Generator('seed');
    g.normal(); // leaves a spare normal behind
    const saved = JSON.parse(JSON.stringify(g.state()));
    const expected = [g.normal(), g.uniform(), g.normal()];
    const resumed = new tg.Generator(saved);
    expect([resumed.normal(), resumed.uniform(), resumed.normal()]).toEqual(expected);
  });

  it('uniform and normal draws have the right moments', () => {
    const rng = new tg.Generator(1);
    const n = 100000;
    const u = tg.uniform([n], -1, 3, { rng, dtype: 'float64' });
    const z = tg.normal([n], 2, 0.5, { rng, dtype: 'float64' });
    // Standard errors: uniform mean sd = 4/√12/√n ≈ 0.0037; normal mean sd = 0.5/√n ≈ 0.0016.
    expect(Math.abs(u.mean().item() - 1)).toBeLessThan(0.02);
    expect(Math.abs(z.mean().item() - 2)).toBeLessThan(0.008);
    expect(Math.abs(tg.variance(z).item() - 0.25)).toBeLessThan(0.01);
  });

  it('permutation contains every index once', () => {
    const p = new tg.Generator(5).permutation(1000);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});
