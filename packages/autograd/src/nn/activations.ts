/** Element-wise activation layers (no parameters): ReLU, LeakyReLU, Tanh, Sigmoid, GELU. */
import { gelu, leakyRelu, relu, sigmoid, tanh } from '../ops/unary.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** max(x, 0) + negativeSlope · min(x, 0); PyTorch's default slope 0.01. */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;

  constructor(negativeSlope = 0.01) {
    super();
    if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
      throw new RangeError(
        `LeakyReLU: negativeSlope must be a finite number, got ${String(negativeSlope)}`,
      );
    }
    this.negativeSlope = negativeSlope;
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  protected override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** The exact GELU, x · Φ(x) (PyTorch's default approximate='none'). */
export class GELU extends Module {
  forward(x: Tensor): Tensor {
    return gelu(x);
  }
}
