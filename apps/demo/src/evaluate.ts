/** Accuracy of a model on (part of) a data set, in batches, without recording a graph. */
import { getBackend, noGrad, tensor, tidy, type Tensor } from '@thermograd/autograd';
import type { Dataset } from '@thermograd/data';
import type { DemoModel } from './models.js';

/** Number of rows of [B, C] logits whose largest entry is at the label. */
export function countCorrect(logits: Tensor, labels: ArrayLike<number>): number {
  const [rows, cols] = logits.shape;
  const v = logits.dataSync();
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (v[r * cols + c] > v[r * cols + best]) best = c;
    if (best === labels[r]) correct++;
  }
  return correct;
}

/**
 * Examples per evaluation batch: 1000, or fewer where the backend limits the size of one tensor
 * (the gpu.js backend in webasm/webgpu) and the model's largest tensor would not fit.
 */
export function evaluationBatch(model: DemoModel, backend = getBackend()): number {
  const limit = backend.maxElements ?? Infinity;
  return Math.max(1, Math.min(1000, Math.floor(limit / model.elementsPerExample)));
}

/** Accuracy over the first `limit` examples (all by default). */
export function accuracy(
  model: DemoModel,
  data: Dataset,
  limit = data.n,
  batchSize = evaluationBatch(model),
): number {
  const n = Math.min(limit, data.n);
  if (n === 0) return NaN;
  const features = data.rows * data.cols;
  let correct = 0;
  noGrad(() => {
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      correct += tidy(() => {
        const x = tensor(data.images.subarray(start * features, (start + size) * features), [
          size,
          features,
        ]);
        return countCorrect(model.forward(x), data.labels.subarray(start, start + size));
      });
    }
  });
  return correct / n;
}
