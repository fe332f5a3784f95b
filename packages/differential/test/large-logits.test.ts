/**
 * softmax, logSoftmax and crossEntropy at large logits (1e4 + 3·N(0, 1)), on every backend, against
 * float64 on the same float32 inputs. z − max is exact there; what can go wrong is rounding
 * max + log Σ exp(z − max) to float32 before subtracting it (an ulp at 1e4 is 1e-3), which put the
 * gpu backend's probabilities 2.9e-4 off. Each backend must stay within 1e-5 relative (in p, and
 * so absolute in log p).
 */
import { describe, expect, it } from 'vitest';
import { Generator, crossEntropy, randn, tensor, withBackend } from '@thermograd/autograd';
import { BACKENDS } from './backends.js';

const ROWS = 64;
const COLS = 10;
const RTOL = 1e-5;

const rng = new Generator(5);
const logits = randn([ROWS, COLS], { rng, backend: 'reference' }).mul(3).add(1e4).toArray();
const labels = Array.from({ length: ROWS }, (_, r) => (r * 3) % COLS);

/** float64 log-softmax of each row of the float32 logits. */
const logp64 = new Float64Array(ROWS * COLS);
for (let r = 0; r < ROWS; r++) {
  const row = logits.subarray(r * COLS, (r + 1) * COLS);
  const m = Math.max(...row);
  let s = 0;
  for (const z of row) s += Math.exp(z - m);
  for (let c = 0; c < COLS; c++) logp64[r * COLS + c] = row[c] - m - Math.log(s);
}
const ce64 = -labels.reduce((t, y, r) => t + logp64[r * COLS + y], 0) / ROWS;

function worstRelative(got: ArrayLike<number>, want: (i: number) => number): number {
  let worst = 0;
  for (let i = 0; i < got.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want(i)) / Math.abs(want(i)));
  return worst;
}

for (const backend of BACKENDS) {
  describe(`${backend}: softmax family at logits near 1e4`, () => {
    it(`softmax, logSoftmax and crossEntropy within ${RTOL} of float64`, () =>
      withBackend(backend, () => {
        const x = tensor(logits, [ROWS, COLS]);
        const p = x.softmax().dataSync();
        const logp = x.logSoftmax().dataSync();
        expect(
          worstRelative(p, (i) => Math.exp(logp64[i])),
          'softmax',
        ).toBeLessThan(RTOL);
        // An absolute error ε in log p is a relative error ε in p.
        let worstLog = 0;
        for (let i = 0; i < logp.length; i++)
          worstLog = Math.max(worstLog, Math.abs(logp[i] - logp64[i]));
        expect(worstLog, 'logSoftmax (absolute)').toBeLessThan(RTOL);
        const ce = crossEntropy(x, labels).item();
        expect(Math.abs(ce - ce64) / ce64, 'crossEntropy').toBeLessThan(RTOL);
      }));
  });
}
