/** allClose (@thermograd/autograd/testing) and the toBeAllClose matcher built on it. */
import { describe, expect, it } from 'vitest';
import { allClose } from '../src/testing/index.js';

describe('allClose: |a − b| <= atol + rtol·|b|', () => {
  it('passes inside the bound and fails just outside it, on both terms', () => {
    expect(allClose([1.5], [1], { rtol: 0.5 }).pass).toBe(true);
    expect(allClose([1.5 + 1e-9], [1], { rtol: 0.5 }).pass).toBe(false);
    expect(allClose([0.5], [0], { atol: 0.5 }).pass).toBe(true);
    expect(allClose([0.5 + 1e-9], [0], { atol: 0.5 }).pass).toBe(false);
    // rtol scales with the EXPECTED value, not the actual one.
    expect(allClose([2], [1], { rtol: 0.6 }).pass).toBe(false);
    expect(allClose([1], [2], { rtol: 0.6 }).pass).toBe(true);
    expect(allClose([1.75], [1], { rtol: 0.5, atol: 0.25 }).pass).toBe(true);
    expect(allClose([1.75 + 1e-9], [1], { rtol: 0.5, atol: 0.25 }).pass).toBe(false);
  });

  it('defaults to rtol 1e-6 and atol 0', () => {
    expect(allClose([1 + 9e-7], [1]).pass).toBe(true);
    expect(allClose([1 + 2e-6], [1]).pass).toBe(false);
    expect(allClose([1e-300], [0]).pass).toBe(false);
  });

  it('NaN matches NaN only; an infinity matches only itself', () => {
    expect(allClose([NaN, Infinity, -Infinity], [NaN, Infinity, -Infinity]).pass).toBe(true);
    expect(allClose([NaN], [1], { atol: 1e9 }).pass).toBe(false);
    expect(allClose([1], [NaN], { atol: 1e9 }).pass).toBe(false);
    expect(allClose([Infinity], [-Infinity], { atol: 1e9 }).pass).toBe(false);
    expect(allClose([1e308], [Infinity], { rtol: 1 }).pass).toBe(false);
  });

  it('names the worst element (the largest excess over its allowance) and both values', () => {
    const r = allClose([1, 2.5, 100.5, 4], [1, 2, 100, 4], { rtol: 0.01 });
    expect(r.pass).toBe(false);
    expect(r.failures).toBe(1);
    expect(r.worstIndex).toBe(1);
    expect(r.message).toMatch(/1 of 4 elements/);
    expect(r.message).toMatch(/worst at index 1: got 2.5, expected 2 /);
    // A NaN where a number was expected is worse than any finite difference.
    expect(allClose([10, NaN], [0, 0], { atol: 1 }).worstIndex).toBe(1);
  });

  it('fails on different lengths and refuses negative tolerances', () => {
    expect(allClose([1, 2], [1]).message).toBe('length 2, expected 1');
    expect(() => allClose([1], [1], { rtol: -1 })).toThrow(/rtol and atol must be >= 0/);
  });
});

describe('expect(...).toBeAllClose', () => {
  it('passes, fails with the worst element in the message, and negates', () => {
    expect(Float32Array.of(1, 2)).toBeAllClose([1, 2.0000001], { rtol: 1e-6 });
    expect(() => expect([1, 3]).toBeAllClose([1, 2], { rtol: 0.1 })).toThrow(
      /worst at index 1: got 3, expected 2/,
    );
    expect([1, 3]).not.toBeAllClose([1, 2], { rtol: 0.1 });
    expect(() => expect([1, 2]).not.toBeAllClose([1, 2])).toThrow(/not to be all close/);
  });

  it('keeps the message given to expect()', () => {
    expect(() => expect([3], 'the forward pass').toBeAllClose([2])).toThrow(/the forward pass/);
  });
});
