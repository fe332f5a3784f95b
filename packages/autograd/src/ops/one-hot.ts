/**
 * oneHot (torch.nn.functional.one_hot): integer labels to rows of zeros with a 1 at the label. The
 * result is a float tensor (it usually multiplies log-probabilities) and carries no gradient.
 */
import type { Backend } from '../backend/backend.js';
import { resolveBackend } from '../backend/registry.js';
import { allocArray, assertDType, getDefaultDType, type DType } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { toIndexArray } from './op-utils.js';

export interface OneHotOptions {
  /** Default: the default dtype. */
  dtype?: DType;
  /** A backend name or object; default: the labels tensor's backend, else the current one. */
  backend?: string | Backend;
}

/**
 * Labels as an array give [N, numClasses]; a labels tensor of shape S gives [...S, numClasses].
 * Every label must be an integer in [0, numClasses).
 */
export function oneHot(
  labels: Int32Array | readonly number[] | Tensor,
  numClasses: number,
  options: OneHotOptions = {},
): Tensor {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  }
  const dtype = options.dtype ?? getDefaultDType();
  assertDType(dtype, 'oneHot');
  const labelsBackend = labels instanceof Tensor ? labels.backend : undefined;
  const backend = resolveBackend(options.backend ?? labelsBackend);
  const idx = toIndexArray('oneHot', labels, numClasses, 'label');
  const values = allocArray(dtype, idx.length * numClasses);
  for (let i = 0; i < idx.length; i++) values[i * numClasses + idx[i]] = 1;
  const shape = labels instanceof Tensor ? [...labels.shape, numClasses] : [idx.length, numClasses];
  return new Tensor(backend.fromValues(values, dtype), shape, dtype, backend);
}
