/**
 * The fast backend's float64 matmul (src/matmul-f64.ts) against the reference kernel, bit for bit:
 * every transpose combination, odd shapes (k = 0 and 1, single rows and columns), batches with
 * either side shared, and NaN, infinities, signed zeros and subnormals among the values. Bits are
 * compared byte by byte, so a NaN payload or a −0 where the reference has +0 counts as a difference.
 */
import { describe, expect, it } from 'vitest';
import { Generator, referenceBackend as ref, type MatmulParams } from '@thermograd/autograd';
import { bufferPoolStats, fastBackend } from '../src/index.js';
import { matmulF64 } from '../src/matmul-f64.js';

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-310, -1e-310, 1e300];

function values(length: number, seed: number, special: boolean): Float64Array {
  const rng = new Generator(seed);
  // Values with more bits than float32 holds, so any change in summation order shows.
  const v = Float64Array.from({ length }, () => (rng.uniform() * 2 - 1) * 3 + 1e-9);
  if (special)
    for (let i = 0; i < Math.min(length, SPECIAL.length); i++) v[(i * 7) % length] = SPECIAL[i];
  return v;
}

/** One [m, k]·[k, n] product, no batch. */
const single = (m: number, k: number, n: number, transA: boolean): MatmulParams => ({
  batch: 1,
  m,
  k,
  n,
  transA,
  transB: false,
  aBatched: false,
  bBatched: false,
});

const bytes = (x: Float64Array) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);

/** [batch, m, k, n] */
const SHAPES: [number, number, number, number][] = [
  [1, 1, 1, 1],
  [1, 3, 0, 4], // no terms: every element +0
  [1, 5, 1, 7],
  [1, 1, 13, 1],
  [1, 7, 13, 5],
  [1, 10, 49, 16],
  [1, 33, 17, 9],
  [3, 4, 6, 5],
];

function check(p: MatmulParams, seed: number, special: boolean) {
  const a = values((p.aBatched ? p.batch : 1) * p.m * p.k, seed, special);
  const b = values((p.bBatched ? p.batch : 1) * p.k * p.n, seed + 1, special);
  const want = ref.matmul(a, b, p, 'float64') as Float64Array;
  const got = matmulF64(a, b, p);
  expect(got).toBeInstanceOf(Float64Array);
  expect(got.length).toBe(want.length);
  expect(bytes(got), JSON.stringify(p)).toEqual(bytes(want));
}

describe('fast backend, float64 matmul: bit for bit the reference', () => {
  for (const transA of [false, true])
    for (const transB of [false, true]) {
      const name = `${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}`;
      it(`${name}, odd shapes and batches`, () => {
        SHAPES.forEach(([batch, m, k, n], s) => {
          const batching: [boolean, boolean][] =
            batch === 1
              ? [[false, false]]
              : [
                  [true, true],
                  [true, false],
                  [false, true],
                ];
          for (const [aBatched, bBatched] of batching)
            for (const special of [false, true])
              check({ batch, m, k, n, transA, transB, aBatched, bBatched }, 10 * s + 1, special);
        });
      });
    }

  it('all-negative-zero products sum to +0, as the reference’s s = 0 start gives', () => {
    const p = single(2, 3, 2, false);
    const a = new Float64Array(6).fill(-0);
    const b = new Float64Array(6).fill(1);
    const got = matmulF64(a, b, p);
    expect(bytes(got)).toEqual(bytes(ref.matmul(a, b, p, 'float64') as Float64Array));
    expect(Object.is(got[0], 0)).toBe(true);
  });

  it('the fast backend serves float64 matmul with it (a pool array, not the reference’s)', () => {
    const p = single(4, 3, 2, true);
    const a = values(12, 7, false);
    const b = values(6, 8, false);
    const taken = () => bufferPoolStats().hits + bufferPoolStats().misses;
    const before = taken();
    const got = fastBackend.matmul(a, b, p, 'float64') as Float64Array;
    expect(taken(), 'its own kernel, not the reference fallback').toBeGreaterThan(before);
    expect(got).toBeInstanceOf(Float64Array);
    expect(bytes(got)).toEqual(bytes(matmulF64(a, b, p)));
    expect(bytes(got)).toEqual(bytes(ref.matmul(a, b, p, 'float64') as Float64Array));
  });
});
