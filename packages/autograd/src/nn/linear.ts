/**
 * Linear: y = x·Wᵀ + b (PyTorch's nn.Linear), W of shape [out, in].
 *
 * Initialisation as PyTorch's default: kaimingUniform with a = √5 for the weight, which is
 * U(−1/√in, 1/√in), and the bias U(−1/√in, 1/√in); the weight is drawn first, then the bias, from
 * the given seeded generator.
 */
import type { Backend } from '../backend/backend.js';
import type { DType } from '../dtype.js';
import { linear } from '../ops/linear.js';
import type { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { kaimingUniform, uniformInit } from './init.js';
import { Module, parameter } from './module.js';
import { requirePositiveInt, requireRng } from './validate.js';

export interface LinearOptions {
  /** Add a learned bias (default true). */
  bias?: boolean;
  /** The seeded generator the initial weights are drawn from (required). */
  rng: Generator;
  dtype?: DType;
  backend?: string | Backend;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions) {
    super();
    requirePositiveInt('Linear', 'inFeatures', inFeatures);
    requirePositiveInt('Linear', 'outFeatures', outFeatures);
    const rng = requireRng('Linear', options);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const where = { rng, dtype: options.dtype, backend: options.backend };
    this.weight = parameter(
      kaimingUniform([outFeatures, inFeatures], { ...where, a: Math.sqrt(5) }),
    );
    const bound = 1 / Math.sqrt(inFeatures);
    this.bias =
      options.bias === false ? null : parameter(uniformInit([outFeatures], -bound, bound, where));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  protected override extraRepr(): string {
    return `in=${this.inFeatures}, out=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
