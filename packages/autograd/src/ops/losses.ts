/**
 * Losses with PyTorch's semantics and names: crossEntropy (fused softmax + negative log-likelihood
 * from integer class labels), nllLoss (from log-probabilities) and mseLoss.
 *
 * reduction: 'mean' (the default, PyTorch's) averages over the batch, which is the L = (1/B) Σ_b l_b
 * that per-example gradient statistics assume; 'sum' adds; 'none' returns the per-example losses.
 *
 * crossEntropy, with p = softmax(z) per row and y_b the label of row b:
 *   l_b = −log p[b, y_b] = logsumexp(z_b) − z[b, y_b]        (stable: the row max is subtracted)
 *   dl_b/dz[b, c] = p[b, c] − [c = y_b]
 */
import { fromOp } from '../autograd.js';
import { ShapeError, shapeToString, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { sub } from './binary.js';
import { broadcastTo } from './broadcast-grad.js';
import {
  assertCompatible,
  assertRank,
  assertTensor,
  binaryRaw,
  toIndexArray,
  toTensor,
  unaryRaw,
  wrap,
} from './op-utils.js';
import { mean, sum } from './reduce.js';
import { square } from './unary.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  /** 'mean' (default): average over the batch; 'sum'; 'none': one loss per example. */
  reduction?: Reduction;
}

/** Class labels: one integer in [0, classes) per example. */
export type Labels = Int32Array | readonly number[] | ArrayLike<number> | Tensor;

function reductionOf(op: string, options: LossOptions): Reduction {
  const r = options.reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new RangeError(
      `${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(r)}`,
    );
  }
  return r;
}

/** Validates labels against [batch, classes] logits: one per row, each an integer class index. */
function labelArray(op: string, labels: Labels, logits: Tensor): Int32Array {
  const [batch, classes] = logits.shape;
  if (labels instanceof Tensor) {
    if (labels.rank !== 1) {
      throw new ShapeError(
        `${op}: labels must be a 1-D tensor of ${batch} class indices, got shape ${shapeToString(labels.shape)}`,
      );
    }
  } else if (
    labels === null ||
    typeof labels !== 'object' ||
    typeof (labels as ArrayLike<number>).length !== 'number'
  ) {
    throw new TypeError(
      `${op}: labels must be an Int32Array, an array of numbers or a Tensor, got ${labels === null ? 'null' : typeof labels}`,
    );
  }
  const count = labels instanceof Tensor ? labels.size : labels.length;
  if (count !== batch) {
    throw new ShapeError(
      `${op}: ${count} labels for input ${shapeToString(logits.shape)}: expected ${batch}, one per row`,
    );
  }
  return toIndexArray(op, labels, classes, 'label');
}

/**
 * The loss op: the per-example losses [B] of `input` reduced as asked. `backward` maps dL/dl_b,
 * shape [B], to the input's gradient; the batch reduction is recorded for per-example statistics.
 */
function lossOp(
  op: string,
  input: Tensor,
  losses: Tensor,
  reduction: Reduction,
  backward: (dLosses: Tensor) => Tensor,
): Tensor {
  const batch = losses.shape[0];
  let out = losses;
  if (reduction !== 'none') {
    out = wrap(
      losses,
      losses.backend.reduce('sum', losses.storage, losses.shape, [0], losses.dtype),
      [],
    );
  }
  if (reduction === 'mean') {
    if (batch === 0)
      throw new ShapeError(`${op}: the mean over an empty batch is undefined; use reduction 'sum'`);
    out = binaryRaw('div', out, toTensor(op, batch, out));
  }
  return fromOp(
    op,
    out,
    [input],
    (dy) => {
      const dl = reduction === 'mean' ? binaryRaw('div', dy, toTensor(op, batch, dy)) : dy;
      return [backward(broadcastTo(dl, [batch]))];
    },
    reduction === 'none' ? undefined : reduction,
  );
}

/**
 * Softmax cross-entropy of logits [B, C] against integer labels (PyTorch's F.cross_entropy).
 * Labels outside [0, C), non-integers, or a count other than B are errors naming the position.
 */
export function crossEntropy(logits: Tensor, labels: Labels, options: LossOptions = {}): Tensor {
  assertTensor('crossEntropy', logits, 'logits');
  assertRank('crossEntropy', logits, [2], 'logits [batch, classes]');
  const reduction = reductionOf('crossEntropy', options);
  const y = labelArray('crossEntropy', labels, logits);
  const [batch, classes] = logits.shape;
  const { backend, dtype } = logits;
  const { losses, probs } = backend.softmaxCrossEntropy(logits.storage, y, batch, classes, dtype);
  // The probabilities are a tensor like any other: backward holds them, the scope releases them.
  const probabilities = wrap(logits, probs, logits.shape);
  return lossOp('crossEntropy', logits, wrap(logits, losses, [batch]), reduction, (dLosses) => {
    const dz = backend.softmaxCrossEntropyBackward(
      probabilities.storage,
      y,
      dLosses.storage,
      batch,
      classes,
      dtype,
    );
    return wrap(logits, dz, logits.shape);
  });
}

/**
 * Negative log-likelihood of log-probabilities [B, C] (e.g. logSoftmax output) at integer labels:
 * l_b = −logProbs[b, y_b] (PyTorch's F.nll_loss). crossEntropy(z, y) = nllLoss(logSoftmax(z), y).
 */
export function nllLoss(logProbs: Tensor, labels: Labels, options: LossOptions = {}): Tensor {
  assertTensor('nllLoss', logProbs, 'logProbs');
  assertRank('nllLoss', logProbs, [2], 'logProbs [batch, classes]');
  const reduction = reductionOf('nllLoss', options);
  const y = labelArray('nllLoss', labels, logProbs);
  const [batch, classes] = logProbs.shape;
  // Picking logProbs[b, y_b] is a gather along the flattened tensor at b·C + y_b.
  const flat = new Int32Array(batch);
  for (let b = 0; b < batch; b++) flat[b] = b * classes + y[b];
  const { backend, dtype } = logProbs;
  const picked = wrap(
    logProbs,
    backend.gather(logProbs.storage, [batch * classes], 0, flat, dtype),
    [batch],
  );
  const losses = unaryRaw('neg', picked);
  picked.dispose();
  return lossOp('nllLoss', logProbs, losses, reduction, (dLosses) => {
    const dPicked = unaryRaw('neg', dLosses);
    const dx = backend.scatterAdd(dPicked.storage, [batch], 0, flat, [batch * classes], dtype);
    return wrap(logProbs, dx, logProbs.shape);
  });
}

/**
 * Mean squared error (PyTorch's F.mse_loss): (pred − target)² reduced; 'mean' averages over every
 * element. The shapes must be equal: broadcasting [B, 1] against [B] silently gives a [B, B]
 * loss in PyTorch (with only a warning), a classic bug, so thermograd refuses it.
 */
export function mseLoss(pred: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  assertTensor('mseLoss', pred, 'prediction');
  assertTensor('mseLoss', target, 'target');
  assertCompatible('mseLoss', pred, target);
  const reduction = reductionOf('mseLoss', options);
  if (!shapesEqual(pred.shape, target.shape)) {
    throw new ShapeError(
      `mseLoss: prediction ${shapeToString(pred.shape)} and target ${shapeToString(target.shape)} differ in shape ` +
        `(no broadcasting: reshape one of them explicitly)`,
    );
  }
  const squared = square(sub(pred, target));
  if (reduction === 'none') return squared;
  if (reduction === 'sum') return sum(squared);
  if (pred.size === 0)
    throw new ShapeError(
      `mseLoss: the mean over an empty tensor ${shapeToString(pred.shape)} is undefined`,
    );
  return mean(squared);
}
