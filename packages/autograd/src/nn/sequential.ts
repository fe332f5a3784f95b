/**
 * Sequential: modules applied one after another (PyTorch's nn.Sequential). Its children are named
 * '0', '1', ..., so parameters are '0.weight', '0.bias', '2.weight', ...
 */
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) {
        throw new TypeError(
          `Sequential: argument ${i} is not a Module (got ${m === null ? 'null' : typeof m})`,
        );
      }
      this.registerModule(String(i), m);
    });
  }

  get length(): number {
    return this.namedChildren().length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const children = this.namedChildren();
    const m = children.at(i);
    if (m === undefined)
      throw new RangeError(
        `Sequential.at: index ${i} is out of range for ${children.length} modules`,
      );
    return m[1];
  }

  /** Appends a module, named by its position. */
  append(module: Module): this {
    this.registerModule(String(this.length), module);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    const children = this.namedChildren().map(([, m]) => m);
    return children[Symbol.iterator]();
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const [, m] of this.namedChildren()) y = m.forward(y);
    return y;
  }
}
