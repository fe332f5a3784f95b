/**
 * The fused affine map of a dense layer, y = x·Wᵀ + b (PyTorch's F.linear), with per-example
 * gradient statistics.
 *
 * Shapes: x [B, in] (or [B, T..., in]: every leading-but-first axis is treated as more rows of the
 * same example), W [out, in], b [out], y [B, (T...), out]. The weight is stored [out, in] and read
 * transposed by the matmul kernel: no copy.
 *
 * Backward with dy = dL/dy, viewed as [N, out] with N = B·T:
 *   dx = dy · W          dW = dyᵀ · x          db = Σ_rows dy
 *
 * Per-example statistics. For a loss L = (1/B) Σ_b l_b example b's own output gradient is
 * δ_b = B · dy_b (δ_b = dy_b for L = Σ_b l_b: stats.exampleScale). For x of rank 2, example b's weight gradient is the outer product δ_b x_bᵀ, whose
 * squared Frobenius norm is, exactly and without forming it,
 *   |ĝ_b(W)|² = |x_b|² · |δ_b|²,      |ĝ_b(b)|² = |δ_b|²
 * (Goodfellow 2015, "Efficient per-example gradient computations"). With T > 1 rows per example
 * the gradient is Σ_t δ_bt x_btᵀ and has no such shortcut, so it is formed per example.
 */
import { fromOp } from '../autograd.js';
import { allocArray, type TypedArray } from '../dtype.js';
import { ShapeError, shapeToString } from '../shape.js';
import type { PerExampleRecorder } from '../per-example.js';
import { Tensor } from '../tensor.js';
import {
  addBias,
  assertCompatible,
  assertTensor,
  installMethods,
  matmulOf,
  wrap,
} from './op-utils.js';

function describeShapes(x: Tensor, weight: Tensor, bias: Tensor | undefined): string {
  return `x ${shapeToString(x.shape)}, weight ${shapeToString(weight.shape)}${bias ? `, bias ${shapeToString(bias.shape)}` : ''}`;
}

export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  assertTensor('linear', x, 'x');
  assertTensor('linear', weight, 'weight');
  const b = bias ?? undefined;
  if (b !== undefined) assertTensor('linear', b, 'bias');
  const inputs = b ? [x, weight, b] : [x, weight];
  assertCompatible('linear', ...inputs);
  if (weight.rank !== 2) {
    throw new ShapeError(`linear: weight must be [out, in], got ${describeShapes(x, weight, b)}`);
  }
  const [outF, inF] = weight.shape;
  if (x.rank < 2) {
    throw new ShapeError(
      `linear: x must be [batch, in] (or [batch, ..., in]), got ${describeShapes(x, weight, b)}`,
    );
  }
  if (x.shape[x.rank - 1] !== inF) {
    throw new ShapeError(
      `linear: ${describeShapes(x, weight, b)}: x has ${x.shape[x.rank - 1]} features, weight expects ${inF}`,
    );
  }
  if (b !== undefined && (b.rank !== 1 || b.shape[0] !== outF)) {
    throw new ShapeError(`linear: ${describeShapes(x, weight, b)}: bias must be [${outF}]`);
  }

  const backend = x.backend;
  const dtype = x.dtype;
  const batch = x.shape[0];
  // N = B·T, from the shape: x.size / in is 0 / 0 for a layer without input features.
  const rows = x.shape.slice(0, -1).reduce((n, d) => n * d, 1);
  const rowsPerExample = batch === 0 ? 0 : rows / batch;
  const outShape = [...x.shape.slice(0, -1), outF];

  // The weight [out, in] is read transposed where needed.
  let y = matmulOf(x, weight, { m: rows, k: inF, n: outF, transB: true }, outShape);
  if (b !== undefined) y = addBias(y, [rows, outF], b, [outF]);

  return fromOp(
    'linear',
    y,
    inputs,
    (dy) => {
      let dx: Tensor | null = null;
      let dW: Tensor | null = null;
      let db: Tensor | null = null;
      if (x.requiresGrad) dx = matmulOf(dy, weight, { m: rows, k: outF, n: inF }, x.shape);
      if (weight.requiresGrad) {
        dW = matmulOf(dy, x, { m: outF, k: rows, n: inF, transA: true }, weight.shape);
      }
      if (b !== undefined && b.requiresGrad) {
        db = wrap(b, backend.reduce('sum', dy.storage, [rows, outF], [0], dtype), b.shape);
      }
      return b ? [dx, dW, db] : [dx, dW];
    },
    undefined,
    (dy, recorder) =>
      recordPerExample(recorder, x, weight, b, dy, batch, rowsPerExample, inF, outF),
  );
}

/** The per-example rule: |ĝ_b|² (and ĝ_b in 'grads' mode) for the weight and bias; see the file comment. */
function recordPerExample(
  stats: PerExampleRecorder,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | undefined,
  dy: Tensor,
  batch: number,
  rowsPerExample: number,
  inF: number,
  outF: number,
): void {
  const wantW = stats.wants(weight);
  const wantB = bias !== undefined && stats.wants(bias);
  if (!wantW && !wantB) return;
  const withGrads = stats.mode === 'grads';
  const xs = x.dataSync();
  const g = dy.dataSync();
  const scale = stats.exampleScale(batch); // δ_b = B · dy_b for a batch mean, dy_b for a sum

  if (wantW && rowsPerExample === 1) {
    // |ĝ_b(W)|² = |x_b|² · |δ_b|², without forming ĝ_b (see the file comment).
    const sq = new Float64Array(batch);
    for (let e = 0; e < batch; e++) {
      let xx = 0;
      for (let i = 0; i < inF; i++) xx += xs[e * inF + i] * xs[e * inF + i];
      let dd = 0;
      for (let o = 0; o < outF; o++) dd += g[e * outF + o] * g[e * outF + o];
      sq[e] = xx * dd * scale * scale;
    }
    let grads: TypedArray | undefined;
    if (withGrads) {
      grads = allocArray(weight.dtype, batch * outF * inF);
      for (let e = 0; e < batch; e++) {
        for (let o = 0; o < outF; o++) {
          const d = scale * g[e * outF + o];
          const base = (e * outF + o) * inF;
          for (let i = 0; i < inF; i++) grads[base + i] = d * xs[e * inF + i];
        }
      }
    }
    stats.record(weight, sq, grads);
  } else if (wantW) form(weight, xs, inF);
  if (wantB) form(bias, null, 1);

  /**
   * Forms ĝ_b = Σ_t δ_bt x_btᵀ per example, accumulated in float64 (x = 1 for the bias: `rowXs`
   * null, width 1), and records |ĝ_b|² and, in 'grads' mode, ĝ_b.
   */
  function form(param: Tensor, rowXs: TypedArray | null, width: number): void {
    const sq = new Float64Array(batch);
    const grads = withGrads ? allocArray(param.dtype, batch * outF * width) : undefined;
    const acc = new Float64Array(outF * width);
    for (let e = 0; e < batch; e++) {
      acc.fill(0);
      for (let t = 0; t < rowsPerExample; t++) {
        const r = e * rowsPerExample + t;
        for (let o = 0; o < outF; o++) {
          const d = scale * g[r * outF + o];
          if (d === 0) continue;
          for (let i = 0; i < width; i++)
            acc[o * width + i] += rowXs ? d * rowXs[r * width + i] : d;
        }
      }
      let s = 0;
      for (let k = 0; k < acc.length; k++) s += acc[k] * acc[k];
      sq[e] = s;
      if (grads) grads.set(acc, e * outF * width);
    }
    stats.record(param, sq, grads);
  }
}

declare module '../tensor.js' {
  interface Tensor {
    /** x.linear(W, b) = x·Wᵀ + b. */
    linear(weight: Tensor, bias?: Tensor | null): Tensor;
  }
}
installMethods({ linear });
