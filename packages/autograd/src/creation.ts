/**
 * Tensor factories. Every factory takes an optional dtype (default: getDefaultDType()) and backend
 * (default: the current one); random factories require an explicit seeded Generator.
 */
import type { Backend } from './backend/backend.js';
import { resolveBackend } from './backend/registry.js';
import { assertDType, getDefaultDType, type DType } from './dtype.js';
import type { Generator } from './random.js';
import { assertValidShape, ShapeError, shapeToString, sizeOf, type Shape } from './shape.js';
import { Tensor } from './tensor.js';

export interface CreateOptions {
  dtype?: DType;
  /** A backend name or object; default: the current backend. */
  backend?: string | Backend;
  requiresGrad?: boolean;
}

export interface RandomOptions extends CreateOptions {
  rng: Generator;
}

function resolve(
  where: string,
  options: CreateOptions | undefined,
): { dtype: DType; backend: Backend } {
  const dtype = options?.dtype ?? getDefaultDType();
  assertDType(dtype, where);
  return { dtype, backend: resolveBackend(options?.backend) };
}

function finish(t: Tensor, options: CreateOptions | undefined): Tensor {
  if (options?.requiresGrad) t.requiresGrad = true;
  return t;
}

function assertFinite(where: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${where}: ${name} must be a finite number, got ${String(value)}`);
  }
}

type Nested = number | readonly Nested[];

function inferShape(values: Nested): number[] {
  const shape: number[] = [];
  let v: Nested = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = (v as readonly Nested[])[0];
  }
  return shape;
}

function flatten(values: Nested, shape: readonly number[], out: number[], depth = 0): void {
  if (depth === shape.length) {
    if (typeof values !== 'number')
      throw new ShapeError(`tensor: ragged nested array (expected a number at depth ${depth})`);
    out.push(values);
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[depth]) {
    throw new ShapeError(
      `tensor: ragged nested array: expected length ${shape[depth]} at depth ${depth}`,
    );
  }
  for (const v of values as readonly Nested[]) flatten(v, shape, out, depth + 1);
}

/**
 * A tensor from values: a number, nested arrays (shape inferred), or a flat array / typed array
 * with an explicit shape.
 */
export function tensor(
  values: Nested | ArrayLike<number>,
  shape?: Shape,
  options?: CreateOptions,
): Tensor {
  const { dtype, backend } = resolve('tensor', options);
  if (shape !== undefined) assertValidShape(shape, 'tensor');
  let flat = typeof values === 'number' ? [values] : (values as ArrayLike<number>);
  let inferred: readonly number[] = typeof values === 'number' ? [] : [flat.length];
  // Nested arrays are flattened; with an explicit shape, only their element count matters.
  if (Array.isArray(values) && (shape === undefined || values.some((v) => Array.isArray(v)))) {
    inferred = inferShape(values as Nested);
    const out: number[] = [];
    flatten(values as Nested, inferred, out);
    flat = out;
  }
  const finalShape = shape ?? inferred;
  if (flat.length !== sizeOf(finalShape)) {
    throw new ShapeError(
      `tensor: ${flat.length} values do not fill shape ${shapeToString(finalShape)} (${sizeOf(finalShape)} elements)`,
    );
  }
  for (let i = 0; i < flat.length; i++) {
    if (typeof flat[i] !== 'number')
      throw new TypeError(`tensor: value at flat index ${i} is not a number`);
  }
  return finish(new Tensor(backend.fromValues(flat, dtype), finalShape, dtype, backend), options);
}

/** A 0-d tensor. */
export function scalar(value: number, options?: CreateOptions): Tensor {
  return tensor(value, [], options);
}

export function full(shape: Shape, value: number, options?: CreateOptions): Tensor {
  assertValidShape(shape, 'full');
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new RangeError(`full: fill value must be a number, got ${String(value)}`);
  const { dtype, backend } = resolve('full', options);
  const values = new Float64Array(sizeOf(shape)).fill(value);
  return finish(new Tensor(backend.fromValues(values, dtype), shape, dtype, backend), options);
}

export function zeros(shape: Shape, options?: CreateOptions): Tensor {
  assertValidShape(shape, 'zeros');
  const { dtype, backend } = resolve('zeros', options);
  return finish(new Tensor(backend.zeros(sizeOf(shape), dtype), shape, dtype, backend), options);
}

export function ones(shape: Shape, options?: CreateOptions): Tensor {
  return full(shape, 1, options);
}

export function zerosLike(t: Tensor, options?: Omit<CreateOptions, 'dtype' | 'backend'>): Tensor {
  return zeros(t.shape, { ...options, dtype: t.dtype, backend: t.backend });
}

export function onesLike(t: Tensor, options?: Omit<CreateOptions, 'dtype' | 'backend'>): Tensor {
  return full(t.shape, 1, { ...options, dtype: t.dtype, backend: t.backend });
}

/** Values start, start+step, ... below end (as torch.arange). */
export function arange(start: number, end?: number, step = 1, options?: CreateOptions): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  assertFinite('arange', 'start', start);
  assertFinite('arange', 'end', end);
  assertFinite('arange', 'step', step);
  if (step === 0) throw new RangeError('arange: step must not be 0');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const values = Array.from({ length: n }, (_, i) => start + i * step);
  return tensor(values, [n], options);
}

/** The n×m identity (m defaults to n). */
export function eye(n: number, m = n, options?: CreateOptions): Tensor {
  assertValidShape([n, m], 'eye');
  const values = new Float64Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return tensor(values, [n, m], options);
}

function randomTensor(
  where: string,
  shape: Shape,
  options: RandomOptions,
  draw: () => number,
): Tensor {
  assertValidShape(shape, where);
  if (!options || typeof options.rng?.uniform !== 'function') {
    throw new TypeError(
      `${where}: pass a seeded generator as { rng } (e.g. new Generator(seed)); thermograd has no hidden global RNG`,
    );
  }
  // One draw per element, in row-major order.
  return tensor(Float64Array.from({ length: sizeOf(shape) }, draw), shape, options);
}

/** Uniform in [0, 1). */
export function rand(shape: Shape, options: RandomOptions): Tensor {
  return randomTensor('rand', shape, options, () => options.rng.uniform());
}

/** Standard normal. */
export function randn(shape: Shape, options: RandomOptions): Tensor {
  return randomTensor('randn', shape, options, () => options.rng.normal());
}

/** Uniform in [low, high). */
export function uniform(shape: Shape, low: number, high: number, options: RandomOptions): Tensor {
  assertFinite('uniform', 'low', low);
  assertFinite('uniform', 'high', high);
  if (!(high >= low)) throw new RangeError(`uniform: high (${high}) must be ≥ low (${low})`);
  return randomTensor('uniform', shape, options, () => low + (high - low) * options.rng.uniform());
}

/** Normal with the given mean and standard deviation. */
export function normal(shape: Shape, mean: number, std: number, options: RandomOptions): Tensor {
  assertFinite('normal', 'mean', mean);
  assertFinite('normal', 'std', std);
  if (std < 0) throw new RangeError(`normal: std must be ≥ 0, got ${std}`);
  return randomTensor('normal', shape, options, () => mean + std * options.rng.normal());
}
