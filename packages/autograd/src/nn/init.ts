/**
 * Weight initialisers, computed as PyTorch's torch.nn.init does, always from an explicit seeded
 * Generator.
 *
 * Fans of a weight of shape [out, in, k1, k2, ...] (a dense weight is [out, in], a conv kernel
 * [outC, inC, KH, KW]):
 *   fan_in = in · Π k,   fan_out = out · Π k
 *
 *   kaimingUniform: U(−bound, bound), bound = gain · √(3 / fan)      (He et al. 2015)
 *   kaimingNormal:  N(0, std²),       std   = gain / √fan
 *   xavierUniform:  U(−a, a),         a     = gain · √(6 / (fan_in + fan_out))   (Glorot & Bengio 2010)
 *   xavierNormal:   N(0, std²),       std   = gain · √(2 / (fan_in + fan_out))
 *
 * where fan is fan_in or fan_out (`mode`) and gain = calculateGain(nonlinearity, a). PyTorch's
 * default for nn.Linear and nn.Conv2d is kaimingUniform with a = √5 on leakyRelu, whose bound
 * works out to 1/√fan_in.
 *
 * Each initialiser takes either a shape (and returns a new tensor) or an existing tensor (and
 * overwrites its values in place with assign, returning it), like PyTorch's trailing-underscore
 * in-place versions.
 */
import type { Backend } from '../backend/backend.js';
import { tensor } from '../creation.js';
import type { DType } from '../dtype.js';
import { Generator } from '../random.js';
import { ShapeError, shapeToString, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

export type Nonlinearity = 'linear' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

export type FanMode = 'fanIn' | 'fanOut';

/** A shape to create a new tensor, or a tensor to fill in place. */
export type InitTarget = Shape | Tensor;

export interface InitOptions {
  rng: Generator;
  /** For a new tensor only (a filled tensor keeps its own). */
  dtype?: DType;
  backend?: string | Backend;
}

export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU after this layer (only used with 'leakyRelu'); default 0. */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

export interface XavierOptions extends InitOptions {
  gain?: number;
}

/** [fan_in, fan_out] as torch.nn.init._calculate_fan_in_and_fan_out. */
export function calculateFans(shape: Shape): [number, number] {
  if (shape.length < 2) {
    throw new ShapeError(
      `init: fan in and fan out need a tensor of at least 2 dimensions, got ${shapeToString(shape)}`,
    );
  }
  const receptive = sizeOf(shape.slice(2));
  return [shape[1] * receptive, shape[0] * receptive];
}

/** The recommended gain for a nonlinearity, as torch.nn.init.calculate_gain. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv2d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope))
        throw new RangeError(`calculateGain: negative slope must be finite, got ${slope}`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new RangeError(`calculateGain: unknown nonlinearity '${String(nonlinearity)}'`);
  }
}

function requireRng(where: string, options: InitOptions | undefined): Generator {
  const rng = options?.rng;
  if (!(rng instanceof Generator)) {
    throw new TypeError(
      `${where}: pass a seeded generator as { rng } (e.g. new Generator(seed)); thermograd has no hidden global RNG`,
    );
  }
  return rng;
}

function fill(
  where: string,
  target: InitTarget,
  options: InitOptions,
  draw: (rng: Generator) => number,
): Tensor {
  const rng = requireRng(where, options);
  const shape = target instanceof Tensor ? target.shape : target;
  const values = new Float64Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = draw(rng);
  if (target instanceof Tensor) return target.assign(values);
  return tensor(values, shape, { dtype: options.dtype, backend: options.backend });
}

function shapeOf(target: InitTarget): Shape {
  return target instanceof Tensor ? target.shape : target;
}

/** U(low, high) into a new tensor or in place. */
export function uniformInit(
  target: InitTarget,
  low: number,
  high: number,
  options: InitOptions,
): Tensor {
  if (!Number.isFinite(low) || !Number.isFinite(high) || !(high >= low)) {
    throw new RangeError(`uniformInit: need finite low ≤ high, got [${low}, ${high})`);
  }
  return fill('uniformInit', target, options, (rng) => low + (high - low) * rng.uniform());
}

/** N(mean, std²) into a new tensor or in place. */
export function normalInit(
  target: InitTarget,
  mean: number,
  std: number,
  options: InitOptions,
): Tensor {
  if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0) {
    throw new RangeError(`normalInit: need finite mean and std ≥ 0, got mean ${mean}, std ${std}`);
  }
  return fill('normalInit', target, options, (rng) => mean + std * rng.normal());
}

function kaimingScale(where: string, target: InitTarget, options: KaimingOptions): number {
  const mode = options.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut')
    throw new RangeError(`${where}: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const [fanIn, fanOut] = calculateFans(shapeOf(target));
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  if (fan === 0)
    throw new ShapeError(`${where}: ${mode} of ${shapeToString(shapeOf(target))} is 0`);
  return calculateGain(options.nonlinearity ?? 'leakyRelu', options.a ?? 0) / Math.sqrt(fan);
}

/** He uniform: U(−b, b), b = gain·√(3/fan). */
export function kaimingUniform(target: InitTarget, options: KaimingOptions): Tensor {
  requireRng('kaimingUniform', options);
  const bound = Math.sqrt(3) * kaimingScale('kaimingUniform', target, options);
  return uniformInit(target, -bound, bound, options);
}

/** He normal: N(0, (gain/√fan)²). */
export function kaimingNormal(target: InitTarget, options: KaimingOptions): Tensor {
  requireRng('kaimingNormal', options);
  return normalInit(target, 0, kaimingScale('kaimingNormal', target, options), options);
}

function xavierStd(where: string, target: InitTarget, options: XavierOptions): number {
  const gain = options.gain ?? 1;
  if (!Number.isFinite(gain) || gain < 0)
    throw new RangeError(`${where}: gain must be a finite number ≥ 0, got ${gain}`);
  const [fanIn, fanOut] = calculateFans(shapeOf(target));
  if (fanIn + fanOut === 0)
    throw new ShapeError(`${where}: ${shapeToString(shapeOf(target))} has no fan`);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/** Glorot uniform: U(−a, a), a = gain·√(6/(fan_in + fan_out)). */
export function xavierUniform(target: InitTarget, options: XavierOptions): Tensor {
  requireRng('xavierUniform', options);
  const a = Math.sqrt(3) * xavierStd('xavierUniform', target, options);
  return uniformInit(target, -a, a, options);
}

/** Glorot normal: N(0, gain²·2/(fan_in + fan_out)). */
export function xavierNormal(target: InitTarget, options: XavierOptions): Tensor {
  requireRng('xavierNormal', options);
  return normalInit(target, 0, xavierStd('xavierNormal', target, options), options);
}
