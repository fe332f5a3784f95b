/** Reference fused softmax cross-entropy and log-softmax, stable by subtracting the row maximum. */
import { allocArray, type DType, type TypedArray } from '../../dtype.js';

export function softmaxCrossEntropy(
  logits: TypedArray,
  labels: Int32Array,
  rows: number,
  cols: number,
  dtype: DType,
): { losses: TypedArray; probs: TypedArray } {
  const losses = allocArray(dtype, rows);
  const probs = allocArray(dtype, rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, logits[base + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(logits[base + c] - max);
      probs[base + c] = e;
      sum += e;
    }
    for (let c = 0; c < cols; c++) probs[base + c] /= sum;
    // −log softmax[label] = log Σ exp(z − max) − (z_label − max)
    losses[r] = Math.log(sum) - (logits[base + labels[r]] - max);
  }
  return { losses, probs };
}

export function softmaxCrossEntropyBackward(
  probs: TypedArray,
  labels: Int32Array,
  dLosses: TypedArray,
  rows: number,
  cols: number,
  dtype: DType,
): TypedArray {
  const out = allocArray(dtype, rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const d = dLosses[r];
    for (let c = 0; c < cols; c++) out[base + c] = d * probs[base + c];
    out[base + labels[r]] -= d;
  }
  return out;
}

export function logSoftmax(x: TypedArray, rows: number, cols: number, dtype: DType): TypedArray {
  const out = allocArray(dtype, rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, x[base + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[base + c] - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < cols; c++) out[base + c] = x[base + c] - lse;
  }
  return out;
}

export function logSoftmaxBackward(
  y: TypedArray,
  dy: TypedArray,
  rows: number,
  cols: number,
  dtype: DType,
): TypedArray {
  const out = allocArray(dtype, rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let s = 0;
    for (let c = 0; c < cols; c++) s += dy[base + c];
    for (let c = 0; c < cols; c++) out[base + c] = dy[base + c] - Math.exp(y[base + c]) * s;
  }
  return out;
}
