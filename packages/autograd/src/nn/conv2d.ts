/**
 * Conv2d: 2-D convolution over NCHW input (PyTorch's nn.Conv2d, groups = 1, dilation = 1), weight
 * [outC, inC, KH, KW].
 *
 * Initialisation as PyTorch's default: kaimingUniform with a = √5, i.e. U(±1/√fan_in) with
 * fan_in = inC·KH·KW, for the weight, and the bias U(±1/√fan_in); weight drawn first.
 */
import type { Backend } from '../backend/backend.js';
import type { DType } from '../dtype.js';
import { conv2d, pair2d, type Size2d } from '../ops/conv.js';
import type { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { kaimingUniform, uniformInit } from './init.js';
import { Module, parameter } from './module.js';
import { requirePositiveInt, requireRng } from './validate.js';

export interface Conv2dLayerOptions {
  /** Step between windows, one number or [h, w]; default 1. */
  stride?: Size2d;
  /** Zeros added on each side, one number or [h, w]; default 0. */
  padding?: Size2d;
  /** Add a learned bias per output channel (default true). */
  bias?: boolean;
  /** The seeded generator the initial weights are drawn from (required). */
  rng: Generator;
  dtype?: DType;
  backend?: string | Backend;
}

export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  weight: Tensor;
  bias: Tensor | null;

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Size2d,
    options: Conv2dLayerOptions,
  ) {
    super();
    requirePositiveInt('Conv2d', 'inChannels', inChannels);
    requirePositiveInt('Conv2d', 'outChannels', outChannels);
    this.kernelSize = pair2d('Conv2d', 'kernelSize', kernelSize, 1);
    this.stride = pair2d('Conv2d', 'stride', options?.stride ?? 1, 1);
    this.padding = pair2d('Conv2d', 'padding', options?.padding ?? 0, 0);
    const rng = requireRng('Conv2d', options);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    const [kh, kw] = this.kernelSize;
    const where = { rng, dtype: options.dtype, backend: options.backend };
    this.weight = parameter(
      kaimingUniform([outChannels, inChannels, kh, kw], { ...where, a: Math.sqrt(5) }),
    );
    const bound = 1 / Math.sqrt(inChannels * kh * kw);
    this.bias =
      options.bias === false ? null : parameter(uniformInit([outChannels], -bound, bound, where));
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=[${this.stride}], padding=[${this.padding}]`;
  }
}
