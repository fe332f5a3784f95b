/**
 * MaxPool2d and AvgPool2d over NCHW input (PyTorch's nn.MaxPool2d / nn.AvgPool2d): stride defaults
 * to the kernel size; average pooling counts padding as zeros (count_include_pad = True).
 */
import { pair2d, type Size2d } from '../ops/conv.js';
import { avgPool2d, maxPool2d } from '../ops/pool.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

abstract class Pool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];

  constructor(layer: string, kernelSize: Size2d, stride: Size2d | undefined, padding: Size2d) {
    super();
    this.kernelSize = pair2d(layer, 'kernelSize', kernelSize, 1);
    this.stride = pair2d(layer, 'stride', stride ?? kernelSize, 1);
    this.padding = pair2d(layer, 'padding', padding, 0);
  }

  protected override extraRepr(): string {
    return `kernelSize=[${this.kernelSize}], stride=[${this.stride}], padding=[${this.padding}]`;
  }
}

export class MaxPool2d extends Pool2d {
  constructor(kernelSize: Size2d, stride?: Size2d, padding: Size2d = 0) {
    super('MaxPool2d', kernelSize, stride, padding);
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.stride, this.padding);
  }
}

export class AvgPool2d extends Pool2d {
  constructor(kernelSize: Size2d, stride?: Size2d, padding: Size2d = 0) {
    super('AvgPool2d', kernelSize, stride, padding);
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.stride, this.padding);
  }
}
