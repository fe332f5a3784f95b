/**
 * Inverted dropout (PyTorch's F.dropout): in training each element is zeroed with probability p
 * and the survivors are scaled by 1/(1 − p), so E[dropout(x)] = x and evaluation is the identity.
 *
 *   y = x ⊙ m,  m_i = 0 with probability p, else 1/(1 − p)        dx = dy ⊙ m (the same mask)
 *
 * The mask comes from the caller's seeded Generator, one uniform draw per element in row-major
 * order: the same seed gives the same mask, on every backend.
 */
import { fromOp } from '../autograd.js';
import { Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import { assertTensor, binaryRaw, installMethods, wrap } from './op-utils.js';

export interface DropoutOptions {
  /** The seeded source of the mask; required when training with p > 0. */
  rng?: Generator;
  /** False: return x unchanged (evaluation mode). Default true. */
  training?: boolean;
}

export function dropout(x: Tensor, p: number, options: DropoutOptions = {}): Tensor {
  assertTensor('dropout', x);
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) {
    throw new RangeError(`dropout: probability p must be in [0, 1), got ${String(p)}`);
  }
  const training = options.training ?? true;
  if (!training || p === 0) return x;
  const rng = options.rng;
  if (!(rng instanceof Generator)) {
    throw new TypeError(
      'dropout: pass a seeded Generator as { rng } (thermograd draws no unseeded randomness)',
    );
  }
  const keepScale = 1 / (1 - p);
  const maskValues = new Float64Array(x.size);
  for (let i = 0; i < maskValues.length; i++) maskValues[i] = rng.uniform() < p ? 0 : keepScale;
  // The mask is a tensor like any other: backward holds it, the scope releases it.
  const mask = wrap(x, x.backend.fromValues(maskValues, x.dtype), x.shape);
  return fromOp('dropout', binaryRaw('mul', x, mask), [x], (dy) => [binaryRaw('mul', dy, mask)]);
}

declare module '../tensor.js' {
  interface Tensor {
    dropout(p: number, options?: DropoutOptions): Tensor;
  }
}
installMethods({ dropout });
