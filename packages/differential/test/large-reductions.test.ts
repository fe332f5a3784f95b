/**
 * Reductions over millions of float32 elements against the same sums in float64, on every backend:
 * a total accumulated in float32, one add at a time, drifts with the count (the mean of a million
 * 1000s came out 1007.79, a million 0.1s summed to 100958.3). Each backend must stay within float32
 * rounding of the float64 result up to 4e6 elements: sums over every axis layout, mean, var,
 * logsumexp, softmax and log-softmax denominators, the batch means of the losses, and a matmul's
 * long inner sum (a convolution's weight gradient sums over batch × positions).
 */
import { describe, expect, it } from 'vitest';
import {
  Generator,
  crossEntropy,
  full,
  matmul,
  mseLoss,
  tensor,
  withBackend,
  type Tensor,
} from '@thermograd/autograd';
import { BACKENDS } from './backends.js';

/** float32 output rounding plus a few ulps: far below the drift of a float32 running total. */
const RTOL = 1e-6;

function expectNear(got: number, want: number, what: string, atol = 0): void {
  const tol = RTOL * Math.abs(want) + atol;
  expect(Math.abs(got - want), `${what}: got ${got}, float64 gives ${want}`).toBeLessThanOrEqual(
    tol,
  );
}

function uniform(n: number, seed: number, low = 0, high = 1): Float32Array {
  const rng = new Generator(seed);
  return Float32Array.from({ length: n }, () => low + (high - low) * rng.uniform());
}

/** Float64 sums of a [rows, cols] float32 matrix over all, axis 0 and axis 1. */
function sums64(v: Float32Array, rows: number, cols: number) {
  const byCol = new Float64Array(cols);
  const byRow = new Float64Array(rows);
  let all = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = v[r * cols + c];
      byCol[c] += x;
      byRow[r] += x;
      all += x;
    }
  }
  return { all, byCol, byRow };
}

const N = 2000; // a [2000, 2000] matrix: 4e6 elements
const values = uniform(N * N, 1);
const expected = sums64(values, N, N);
const mean = expected.all / (N * N);
// The population variance and logsumexp over the first million values, in float64.
const M = 1e6;
const head = values.subarray(0, M);
let headSum = 0;
let headSq = 0;
let headExp = 0;
for (const v of head) headSum += v;
for (const v of head) {
  headSq += (v - headSum / M) ** 2;
  headExp += Math.exp(v);
}

for (const backend of BACKENDS) {
  describe(`${backend}: large reductions agree with float64`, () => {
    const on = <T>(fn: () => T) => withBackend(backend, fn);

    it('the mean and variance of a million equal values, and a million 0.1s', () =>
      on(() => {
        const thousands = full([1e6], 1000);
        expectNear(thousands.mean().item(), 1000, 'mean of 1e6 × 1000');
        expectNear(thousands.var().item(), 0, 'var of 1e6 × 1000', 1e-6);
        // fround(0.1) · 1e6, the float64 sum of the float32 values.
        expectNear(full([1e6], 0.1).sum().item(), Math.fround(0.1) * 1e6, 'sum of 1e6 × 0.1');
      }));

    it('sum over 4e6 elements: all, each column, each row', () =>
      on(() => {
        const x = tensor(values, [N, N]);
        expectNear(x.sum().item(), expected.all, 'sum of all');
        const cols = x.sum(0).dataSync();
        const rows = x.sum(1).dataSync();
        for (const i of [0, 1, 999, N - 1]) {
          expectNear(cols[i], expected.byCol[i], `column ${i}`);
          expectNear(rows[i], expected.byRow[i], `row ${i}`);
        }
      }));

    it('mean over 4e6 elements; variance and logsumexp over 1e6', () =>
      on(() => {
        expectNear(
          tensor(values, [N * N])
            .mean()
            .item(),
          mean,
          'mean',
        );
        const x = tensor(head, [M]);
        expectNear(x.var(undefined, false, 0).item(), headSq / M, 'population variance');
        expectNear(x.logsumexp().item(), Math.log(headExp), 'logsumexp');
      }));

    it('softmax and log-softmax over a row of 1e6 logits', () =>
      on(() => {
        const n = 1e6;
        const v = uniform(n, 2, -3, 3);
        let se = 0;
        for (const z of v) se += Math.exp(z);
        const x = tensor(v, [1, n]);
        const logp = x.logSoftmax().dataSync();
        const p = x.softmax().dataSync();
        for (const i of [0, 1, n / 2, n - 1]) {
          expectNear(logp[i], v[i] - Math.log(se), `logSoftmax[${i}]`, 1e-6);
          expectNear(p[i], Math.exp(v[i]) / se, `softmax[${i}]`);
        }
      }));

    it('mseLoss and crossEntropy: batch means over 1e6 elements', () =>
      on(() => {
        const n = 1e6;
        const pred = uniform(n, 3);
        const target = uniform(n, 4);
        let se = 0;
        for (let i = 0; i < n; i++) se += (pred[i] - target[i]) ** 2;
        const loss = mseLoss(tensor(pred, [n / 10, 10]), tensor(target, [n / 10, 10]));
        expectNear(loss.item(), se / n, 'mseLoss');

        const rows = n / 10;
        const labels = Int32Array.from({ length: rows }, (_, r) => (r * 7) % 10);
        let total = 0;
        for (let r = 0; r < rows; r++) {
          let s = 0;
          for (let c = 0; c < 10; c++) s += Math.exp(pred[r * 10 + c]);
          total += Math.log(s) - pred[r * 10 + labels[r]];
        }
        const ce: Tensor = crossEntropy(tensor(pred, [rows, 10]), labels);
        expectNear(ce.item(), total / rows, 'crossEntropy');
      }));
  });
}

// A matmul's inner sum is long in a convolution's weight gradient (k = batch × positions). The
// gpu kernel sums it in compensated blocks (within 1e-5 here); the fast backend's wasm GEMM still
// accumulates in float32 (its README says how far that drifts) and is not held to this yet.
for (const backend of ['reference', 'gpu'] as const) {
  describe(`${backend}: a matmul's inner sum of 1e6 products agrees with float64`, () => {
    it('a dot product of 0.1s, and of random values', () =>
      withBackend(backend, () => {
        const k = 1e6;
        const tenths = matmul(full([1, k], 0.1), full([k, 1], 1)).item();
        expectNear(tenths, Math.fround(0.1) * k, 'Σ 0.1 · 1 over 1e6', 1e-5 * Math.fround(0.1) * k);
        const a = head;
        const b = values.subarray(M, 2 * M);
        let dot = 0;
        for (let i = 0; i < k; i++) dot += a[i] * b[i];
        const got = matmul(tensor(a, [1, k]), tensor(b, [k, 1])).item();
        expectNear(got, dot, 'random dot', 1e-5 * dot);
      }));
  });
}
