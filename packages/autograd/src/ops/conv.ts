/**
 * 2-D convolution over NCHW input (PyTorch's F.conv2d, i.e. cross-correlation), as im2col + matmul.
 *
 * With cols = im2col(x), example n's patches as rows [P, K] (P = OH·OW positions, K = C·KH·KW),
 * and W viewed as [O, K]:
 *   forward   Y_n = W · cols_nᵀ (+ b)                  one batched matmul, already in NCHW order
 *   backward  dcols_n = dY_nᵀ · W,  dx = col2im(dcols)  (col2im adds overlapping windows)
 *             dW = Σ_n dY_n · cols_n,  db = Σ_{n, p} dY[n, :, p]
 * Every product reads its transposed operand in place (matmul's transpose flags): no copies.
 *
 * Per-example statistics: for L = (1/B) Σ_b l_b, example b's own output gradient is B·dY_b (dY_b
 * for L = Σ_b l_b), so
 *   ĝ_b(W) = B · dY_b · cols_b,   ĝ_b(b) = B · Σ_p dY[b, :, p]
 * These are the terms of the dW sum above, computed separately (a batched matmul) by the op's
 * per-example rule (per-example.ts), which runs only when statistics are asked for. Backward
 * itself always takes the one product over the whole batch: with statistics on, the weight's
 * product is computed twice (once per example, once summed), the price of keeping the rule apart
 * from backward.
 */
import type { Conv2dGeometry } from '../backend/backend.js';
import { fromOp } from '../autograd.js';
import type { PerExampleRecorder } from '../per-example.js';
import { ShapeError, shapeToString } from '../shape.js';
import { Tensor } from '../tensor.js';
import {
  addBias,
  assertCompatible,
  assertTensor,
  binaryRaw,
  matmulOf,
  toTensor,
  wrap,
} from './op-utils.js';

export type Size2d = number | readonly [number, number];

export interface Conv2dOptions {
  /** Step between windows, one number or [h, w]; default 1. */
  stride?: Size2d;
  /** Zeros added on each side, one number or [h, w]; default 0. */
  padding?: Size2d;
}

/** A number or [h, w] as [h, w], each an integer ≥ min. */
export function pair2d(op: string, name: string, value: Size2d, min: number): [number, number] {
  const p: readonly unknown[] =
    typeof value === 'number' ? [value, value] : Array.isArray(value) ? value : [];
  if (p.length !== 2 || !p.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= min)) {
    const what = min > 0 ? 'a positive integer' : 'a non-negative integer';
    throw new RangeError(
      `${op}: ${name} must be ${what} or a pair [h, w] of them, got ${JSON.stringify(value)}`,
    );
  }
  return [p[0] as number, p[1] as number];
}

/** The window geometry over x [N, C, H, W], with outH = ⌊(H + 2p − k) / s⌋ + 1 (likewise W). */
export function windowGeometry(
  op: string,
  x: Tensor,
  [kh, kw]: [number, number],
  [strideH, strideW]: [number, number],
  [padH, padW]: [number, number],
): Conv2dGeometry {
  const [n, c, h, w] = x.shape;
  if (h + 2 * padH < kh || w + 2 * padW < kw) {
    throw new ShapeError(
      `${op}: kernel ${kh}x${kw} is larger than the padded input ${h + 2 * padH}x${w + 2 * padW} ` +
        `(input ${shapeToString(x.shape)}, padding [${padH}, ${padW}])`,
    );
  }
  const outH = Math.floor((h + 2 * padH - kh) / strideH) + 1;
  const outW = Math.floor((w + 2 * padW - kw) / strideW) + 1;
  return { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW };
}

/**
 * y[n, o] = Σ_c weight[o, c] ⋆ x[n, c] + bias[o], for x [N, C, H, W], weight [O, C, KH, KW],
 * bias [O]; the result is [N, O, OH, OW].
 */
export function conv2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: Conv2dOptions = {},
): Tensor {
  assertTensor('conv2d', x, 'input');
  assertTensor('conv2d', weight, 'weight');
  if (bias !== undefined && bias !== null) assertTensor('conv2d', bias, 'bias');
  const inputs = bias ? [x, weight, bias] : [x, weight];
  assertCompatible('conv2d', ...inputs);
  if (x.rank !== 4)
    throw new ShapeError(`conv2d: input must be 4-D [N, C, H, W], got ${shapeToString(x.shape)}`);
  if (weight.rank !== 4) {
    throw new ShapeError(
      `conv2d: weight must be 4-D [outChannels, inChannels, kH, kW], got ${shapeToString(weight.shape)}`,
    );
  }
  const [outC, inC, kh, kw] = weight.shape;
  if (x.shape[1] !== inC) {
    throw new ShapeError(
      `conv2d: input ${shapeToString(x.shape)} has ${x.shape[1]} channels but weight ${shapeToString(weight.shape)} expects ${inC}`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outC)) {
    throw new ShapeError(
      `conv2d: bias must have shape [${outC}] (one per output channel of weight ${shapeToString(weight.shape)}), got ${shapeToString(bias.shape)}`,
    );
  }
  const stride = pair2d('conv2d', 'stride', options.stride ?? 1, 1);
  const padding = pair2d('conv2d', 'padding', options.padding ?? 0, 0);
  const g = windowGeometry('conv2d', x, [kh, kw], stride, padding);

  const { backend, dtype } = x;
  const batch = g.n;
  const positions = g.outH * g.outW;
  const patch = inC * kh * kw;
  const outShape = [batch, outC, g.outH, g.outW];
  // The im2col columns: a tensor like any other, which backward holds and the scope releases.
  const cols = wrap(x, backend.im2col(x.storage, g, dtype), [batch * positions, patch]);
  // Y_n [O, P] = W [O, K] · cols_nᵀ, W shared across the batch.
  let y = matmulOf(
    weight,
    cols,
    { batch, m: outC, k: patch, n: positions, transB: true, bBatched: true },
    outShape,
  );
  if (bias) y = addBias(y, [batch, outC, positions], bias, [outC, 1]);

  const perExampleRule = (dy: Tensor, stats: PerExampleRecorder) => {
    if (stats.wants(weight)) {
      // Each example's term dY_n · cols_n [O, K] of the summed dW, kept apart.
      const terms = matmulOf(
        dy,
        cols,
        { batch, m: outC, k: positions, n: patch, aBatched: true, bBatched: true },
        [batch, outC, patch],
      );
      recordPerExample(stats, weight, terms);
      terms.dispose();
    }
    if (bias && stats.wants(bias)) {
      const terms = wrap(
        x,
        backend.reduce('sum', dy.storage, [batch, outC, positions], [2], dtype),
        [batch, outC, 1],
      );
      recordPerExample(stats, bias, terms);
      terms.dispose();
    }
  };
  return fromOp(
    'conv2d',
    y,
    inputs,
    (dy) => {
      const grads: (Tensor | null)[] = [null, null, null];
      if (x.requiresGrad) {
        // dcols_n [P, K] = dY_nᵀ · W
        const dcols = matmulOf(
          dy,
          weight,
          { batch, m: positions, k: outC, n: patch, transA: true, aBatched: true },
          cols.shape,
        );
        grads[0] = wrap(x, backend.col2im(dcols.storage, g, dtype), x.shape);
        dcols.dispose();
      }
      if (weight.requiresGrad) {
        // dW = dY as [O, N·P] · cols [N·P, K]: one product over the whole batch.
        const dyT = wrap(
          x,
          backend.permute(dy.storage, [batch, outC, positions], [1, 0, 2], dtype),
          [outC, batch, positions],
        );
        grads[1] = matmulOf(dyT, cols, { m: outC, k: batch * positions, n: patch }, weight.shape);
        dyT.dispose();
      }
      if (bias && bias.requiresGrad) {
        grads[2] = wrap(
          x,
          backend.reduce('sum', dy.storage, [batch, outC, positions], [0, 2], dtype),
          bias.shape,
        );
      }
      return grads;
    },
    undefined,
    perExampleRule,
  );
}

/**
 * Records per-example statistics from the unscaled terms [B, ...] (term_b = dY_b-part of the
 * summed gradient): ĝ_b = s · term_b, |ĝ_b|² = s² · |term_b|², with s = B for a batch-mean loss
 * and 1 for a batch sum (stats.exampleScale).
 */
function recordPerExample(stats: PerExampleRecorder, param: Tensor, terms: Tensor): void {
  const { backend, dtype } = terms;
  const batch = terms.shape[0];
  const squares = binaryRaw('mul', terms, terms);
  const axes = [...Array(terms.rank).keys()].slice(1);
  const norms = wrap(terms, backend.reduce('sum', squares.storage, terms.shape, axes, dtype), [
    batch,
  ]);
  const s = stats.exampleScale(batch);
  const sqNorms = Float64Array.from(norms.toArray(), (termNorm) => s * s * termNorm);
  squares.dispose();
  norms.dispose();
  if (stats.mode !== 'grads') {
    stats.record(param, sqNorms);
    return;
  }
  const scale = toTensor('conv2d', s, terms);
  const scaled = binaryRaw('mul', terms, scale);
  // toArray copies: recordPerExample may add into the array when the parameter is used twice.
  stats.record(param, sqNorms, scaled.toArray());
  scale.dispose();
  scaled.dispose();
}
