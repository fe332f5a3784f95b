/**
 * The fast backend's im2col takes a dirty pooled buffer (it writes every element, zeroing the
 * patches of windows that reach into the padding): given one full of NaN it must still produce
 * the reference's columns bit for bit, padding zeros included.
 */
import { describe, expect, it } from 'vitest';
import { Generator, referenceBackend as ref } from '@thermograd/autograd';
import '../src/index.js';
import { im2colInto } from '../src/conv.js';
import { geometry } from '../../autograd/test/helpers.js';

describe('fast im2col into a dirty buffer', () => {
  it('overwrites every element, padding with zeros', () => {
    const rng = new Generator(5);
    for (const dtype of ['float32', 'float64'] as const) {
      for (const g of [
        geometry(2, 1, 28, 28, [5, 5], [1, 1], [2, 2]),
        geometry(2, 16, 14, 14, [5, 5], [1, 1], [0, 0]),
        geometry(1, 3, 7, 9, [3, 4], [2, 3], [1, 2]),
        geometry(2, 3, 6, 7, [3, 3], [1, 1], [1, 1]),
        geometry(1, 2, 3, 3, [5, 5], [1, 1], [2, 2]),
      ]) {
        const x = (dtype === 'float32' ? Float32Array : Float64Array).from(
          Array.from({ length: g.n * g.c * g.h * g.w }, () => rng.uniform() - 0.5),
        );
        const size = g.n * g.outH * g.outW * g.c * g.kh * g.kw;
        const dirty = (dtype === 'float32' ? new Float32Array(size) : new Float64Array(size)).fill(
          NaN,
        );
        const got = Array.from(im2colInto(x, g, dirty));
        expect(got, `${dtype} ${JSON.stringify(g)}`).toEqual(
          Array.from(ref.read(ref.im2col(x, g, dtype), dtype)),
        );
      }
    }
  });
});
