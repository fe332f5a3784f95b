/**
 * Dropout (PyTorch's nn.Dropout): in training mode zeroes each element with probability p and
 * scales the rest by 1/(1 − p); in evaluation mode (model.eval()) it is the identity. The masks
 * come from the layer's own seeded generator, so a run is reproducible from its seeds.
 */
import { dropout } from '../ops/dropout.js';
import type { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { requireRng } from './validate.js';

export interface DropoutLayerOptions {
  /** The seeded generator the masks are drawn from (required). */
  rng: Generator;
}

export class Dropout extends Module {
  readonly p: number;
  private readonly rng: Generator;

  constructor(p = 0.5, options: DropoutLayerOptions) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p < 1))
      throw new RangeError(`Dropout: probability p must be in [0, 1), got ${String(p)}`);
    this.rng = requireRng('Dropout', options);
    this.p = p;
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { rng: this.rng, training: this.training });
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}
