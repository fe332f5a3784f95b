/**
 * The gpu.js backend: every kernel of the thermograd Backend interface as a gpu.js kernel
 * (kernel-sources.ts), in float32.
 *
 * Storage is a counted buffer (lifetime.ts) holding the kernel's output; in the cpu and webasm
 * modes that is a Float32Array. Intermediates inside a kernel (row statistics of a softmax, say)
 * never become storage. Not accelerated, after a read-back, on the reference backend: concat,
 * gather and scatterAdd (data movement that the MLP and CNN steps do on their inputs only), and
 * the Int32Array argmax of maxPool2d is read back because the interface returns it on the host.
 */
import {
  broadcastStrides,
  referenceBackend,
  sizeOf,
  stridesOf,
  type Backend,
  type BinaryOp,
  type Conv2dGeometry,
  type DType,
  type MatmulParams,
  type ReduceOp,
  type Shape,
  type Storage,
  type Tensor,
  type TypedArray,
  type UnaryOp,
} from '@thermograd/autograd';
import { KernelCache } from './kernel-cache.js';
import * as K from './kernel-sources.js';
import { GpuStorage, Lifetime } from './lifetime.js';
import type { ModeChoice, SyncGpuMode } from './mode.js';

const UNARY_CODES: Record<UnaryOp, number> = {
  neg: 0,
  exp: 1,
  log: 2,
  sqrt: 3,
  abs: 4,
  tanh: 5,
  sigmoid: 6,
  relu: 7,
  leakyRelu: 8,
  gelu: 9,
  powScalar: 10,
  clamp: 11,
  square: 12,
  reciprocal: 13,
  sign: 14,
};

const BINARY_CODES: Record<BinaryOp, number> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  pow: 4,
  maximum: 5,
  minimum: 6,
  eq: 7,
  ne: 8,
  gt: 9,
  ge: 10,
  lt: 11,
  le: 12,
};

const REDUCE_CODES: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2 };

/** Shapes and strides travel as 8-entry arrays so that one kernel serves every rank up to 8. */
const MAX_RANK = 8;
/** Flat indices are floats in the webasm and webgpu kernels: exact below 2^24. */
const MAX_ELEMENTS = 1 << 24;

function pad(values: readonly number[], what: string): Float32Array {
  if (values.length > MAX_RANK) throw new RangeError(`gpu backend: ${what} has rank ${values.length}; at most ${MAX_RANK} is supported`);
  const out = new Float32Array(MAX_RANK);
  out.set(values);
  return out;
}

function geometry(g: Conv2dGeometry): Float32Array {
  return Float32Array.of(g.n, g.c, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW);
}

export interface GpuBackendOptions {
  mode: SyncGpuMode;
  /** Why this mode (from chooseMode); defaults to "mode X was requested". */
  choice?: ModeChoice;
  /** Registry name; 'gpu' by default. */
  name?: string;
  /**
   * Sees every kernel launch with its exact arguments and output. device/check.ts records a
   * training step this way in cpu mode and replays it on WebGPU.
   */
  observe?: (call: KernelCall) => void;
}

export interface KernelCall {
  op: string;
  fn: (...args: never[]) => number;
  size: number;
  maxLoop: number;
  args: unknown[];
  out: Float32Array;
}

export class GpuBackend implements Backend {
  readonly name: string;
  readonly mode: SyncGpuMode;
  readonly choice: ModeChoice;
  private readonly kernels: KernelCache;
  private readonly lifetime = new Lifetime();
  private readonly observe: ((call: KernelCall) => void) | undefined;

  constructor(options: GpuBackendOptions) {
    this.name = options.name ?? 'gpu';
    this.mode = options.mode;
    this.choice = options.choice ?? { requested: options.mode, mode: options.mode, reason: `mode ${options.mode} was requested` };
    if (this.choice.mode !== this.mode) throw new Error(`gpu backend: choice says ${this.choice.mode} but mode is ${this.mode}`);
    this.kernels = new KernelCache(this.mode);
    this.observe = options.observe;
  }

  // --- lifetime ----------------------------------------------------------------------------------

  /** Buffers created and not yet disposed. */
  liveBuffers(): number {
    return this.lifetime.liveCount;
  }

  /** The gpu.js modes the compiled kernels really run in: [this.mode] unless gpu.js degraded one. */
  kernelModes(): string[] {
    return [...this.kernels.builtModes()];
  }

  /** Kernels compiled so far (one per kernel and loop-limit bucket). */
  compiledKernels(): number {
    return this.kernels.compiled;
  }

  /**
   * Runs fn and disposes every buffer created inside it that its result does not reach (tensors,
   * their gradients, arrays and plain objects of them). Parameters created outside and updated
   * with `assign` are untouched. Gradients left on parameters inside the scope are released with
   * it: call zeroGrad() (or read them) before the scope ends.
   */
  tidy<T>(fn: () => T): T {
    return this.lifetime.tidy(fn);
  }

  /** Exempts tensors from the enclosing tidy scopes; they live until disposed. */
  keep<T extends Tensor>(...tensors: T[]): T[] {
    for (const t of tensors) this.lifetime.keep(this.buffer(t.storage));
    return tensors;
  }

  /** Releases the compiled kernels; storage stays readable. */
  destroy(): void {
    this.kernels.destroy();
  }

  // --- helpers -----------------------------------------------------------------------------------

  private buffer(s: Storage): GpuStorage {
    if (!(s instanceof GpuStorage)) throw new TypeError(`${this.name} backend: storage from another backend`);
    return s;
  }

  private data(s: Storage): Float32Array {
    return this.buffer(s).data;
  }

  private checkDType(dtype: DType, op: string): void {
    if (dtype !== 'float32') {
      throw new TypeError(
        `${this.name} backend: ${op} in ${dtype}: gpu.js computes in float32 only; use float32 tensors here, ` +
          `or the 'reference' backend for float64 (gradient checks)`,
      );
    }
  }

  /** Runs a kernel over `size` outputs whose loops run at most `maxLoop` times; the output is new storage. */
  private run(op: string, fn: (...args: never[]) => number, size: number, maxLoop: number, ...args: unknown[]): GpuStorage {
    return this.lifetime.track(this.runRaw(op, fn, size, maxLoop, ...args));
  }

  private runRaw(op: string, fn: (...args: never[]) => number, size: number, maxLoop: number, ...args: unknown[]): Float32Array {
    if (size === 0) return new Float32Array(0);
    if (size > MAX_ELEMENTS && this.mode !== 'cpu') {
      throw new RangeError(`${this.name} backend: ${op} of ${size} elements; ${this.mode} kernels index exactly up to 2^24 elements`);
    }
    const out = this.kernels.get(fn, maxLoop, size)(...(args as never[])) as unknown;
    if (!(out instanceof Float32Array) || out.length !== size) {
      throw new Error(`${this.name} backend: ${op}: gpu.js returned ${describe(out)} for ${size} outputs`);
    }
    this.observe?.({ op, fn, size, maxLoop, args, out });
    return out;
  }

  /** Runs a reference kernel on read-back values (for kernels this backend does not accelerate). */
  private viaReference(result: Storage): GpuStorage {
    return this.lifetime.track(Float32Array.from(result as TypedArray));
  }

  // --- storage -----------------------------------------------------------------------------------

  fromValues(values: ArrayLike<number>, dtype: DType): Storage {
    this.checkDType(dtype, 'fromValues');
    return this.lifetime.track(Float32Array.from(values));
  }

  zeros(size: number, dtype: DType): Storage {
    this.checkDType(dtype, 'zeros');
    return this.lifetime.track(new Float32Array(size));
  }

  read(s: Storage, dtype: DType): TypedArray {
    this.checkDType(dtype, 'read');
    return this.data(s);
  }

  write(s: Storage, values: ArrayLike<number>, dtype: DType): void {
    this.checkDType(dtype, 'write');
    const target = this.data(s);
    if (values.length !== target.length) throw new RangeError(`write: ${values.length} values for storage of ${target.length} elements`);
    target.set(values);
  }

  cast(s: Storage, _size: number, from: DType, to: DType): Storage {
    this.checkDType(from, 'cast');
    this.checkDType(to, 'cast');
    return this.lifetime.track(Float32Array.from(this.data(s)));
  }

  dispose(s: Storage): void {
    this.lifetime.dispose(this.buffer(s));
  }

  // --- element-wise ------------------------------------------------------------------------------

  unary(op: UnaryOp, x: Storage, size: number, dtype: DType, p: number, p2: number): Storage {
    this.checkDType(dtype, op);
    return this.run(op, K.unaryKernel, size, 1, this.data(x), UNARY_CODES[op], p, p2);
  }

  unaryBackward(op: UnaryOp, x: Storage, y: Storage, dy: Storage, size: number, dtype: DType, p: number, p2: number): Storage {
    this.checkDType(dtype, `${op} backward`);
    return this.run(`${op} backward`, K.unaryBackwardKernel, size, 1, this.data(x), this.data(y), this.data(dy), UNARY_CODES[op], p, p2);
  }

  binary(op: BinaryOp, a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape, dtype: DType): Storage {
    this.checkDType(dtype, op);
    const rank = outShape.length;
    return this.run(
      op,
      K.binaryKernel,
      sizeOf(outShape),
      rank,
      this.data(a),
      this.data(b),
      BINARY_CODES[op],
      rank,
      pad(outShape, op),
      pad(broadcastStrides(aShape, outShape), op),
      pad(broadcastStrides(bShape, outShape), op),
    );
  }

  where(c: Storage, cShape: Shape, a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape, dtype: DType): Storage {
    this.checkDType(dtype, 'where');
    const rank = outShape.length;
    return this.run(
      'where',
      K.whereKernel,
      sizeOf(outShape),
      rank,
      this.data(c),
      this.data(a),
      this.data(b),
      rank,
      pad(outShape, 'where'),
      pad(broadcastStrides(cShape, outShape), 'where'),
      pad(broadcastStrides(aShape, outShape), 'where'),
      pad(broadcastStrides(bShape, outShape), 'where'),
    );
  }

  // --- reductions --------------------------------------------------------------------------------

  reduce(op: ReduceOp, x: Storage, shape: Shape, axes: readonly number[], dtype: DType): Storage {
    this.checkDType(dtype, `reduce ${op}`);
    const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const strides = stridesOf(shape);
    const redDims = axes.map((a) => shape[a]);
    const count = sizeOf(redDims);
    if (count === 0) {
      // An empty reduction is the identity of the operation, as in the reference backend.
      return this.lifetime.track(new Float32Array(sizeOf(outShape)).fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity));
    }
    return this.run(
      `reduce ${op}`,
      K.reduceKernel,
      sizeOf(outShape),
      Math.max(count, shape.length),
      this.data(x),
      REDUCE_CODES[op],
      shape.length,
      pad(outShape, 'reduce'),
      pad(strides, 'reduce'),
      axes.length,
      pad(redDims, 'reduce'),
      pad(axes.map((a) => strides[a]), 'reduce'),
      count,
    );
  }

  // --- linear algebra ----------------------------------------------------------------------------

  matmul(a: Storage, b: Storage, p: MatmulParams, dtype: DType): Storage {
    this.checkDType(dtype, 'matmul');
    const { batch, m, k, n, transA, transB, aBatched, bBatched } = p;
    return this.run(
      'matmul',
      K.matmulKernel,
      batch * m * n,
      k,
      this.data(a),
      this.data(b),
      m,
      k,
      n,
      transA ? 1 : k,
      transA ? m : 1,
      transB ? 1 : n,
      transB ? k : 1,
      aBatched ? m * k : 0,
      bBatched ? k * n : 0,
    );
  }

  // --- layout ------------------------------------------------------------------------------------

  permute(x: Storage, shape: Shape, perm: readonly number[], dtype: DType): Storage {
    this.checkDType(dtype, 'permute');
    const strides = stridesOf(shape);
    const outShape = perm.map((p) => shape[p]);
    return this.run('permute', K.stridedCopyKernel, sizeOf(shape), shape.length, this.data(x), 0, shape.length, pad(outShape, 'permute'), pad(perm.map((p) => strides[p]), 'permute'));
  }

  slice(x: Storage, shape: Shape, begin: readonly number[], size: readonly number[], dtype: DType): Storage {
    this.checkDType(dtype, 'slice');
    const strides = stridesOf(shape);
    const base = begin.reduce((s, b, i) => s + b * strides[i], 0);
    return this.run('slice', K.stridedCopyKernel, sizeOf(size), shape.length, this.data(x), base, shape.length, pad(size, 'slice'), pad(strides, 'slice'));
  }

  unslice(x: Storage, size: readonly number[], begin: readonly number[], fullShape: Shape, dtype: DType): Storage {
    this.checkDType(dtype, 'unslice');
    const rank = fullShape.length;
    return this.run(
      'unslice',
      K.unsliceKernel,
      sizeOf(fullShape),
      rank,
      this.data(x),
      rank,
      pad(fullShape, 'unslice'),
      pad(begin, 'unslice'),
      pad(size, 'unslice'),
      pad(stridesOf(size), 'unslice'),
    );
  }

  concat(inputs: readonly { storage: Storage; shape: Shape }[], axis: number, outShape: Shape, dtype: DType): Storage {
    this.checkDType(dtype, 'concat');
    const host = inputs.map((i) => ({ storage: this.data(i.storage) as Storage, shape: i.shape }));
    return this.viaReference(referenceBackend.concat(host, axis, outShape, dtype));
  }

  gather(x: Storage, shape: Shape, axis: number, indices: Int32Array, dtype: DType): Storage {
    this.checkDType(dtype, 'gather');
    return this.viaReference(referenceBackend.gather(this.data(x), shape, axis, indices, dtype));
  }

  scatterAdd(dy: Storage, dyShape: Shape, axis: number, indices: Int32Array, fullShape: Shape, dtype: DType): Storage {
    this.checkDType(dtype, 'scatterAdd');
    return this.viaReference(referenceBackend.scatterAdd(this.data(dy), dyShape, axis, indices, fullShape, dtype));
  }

  // --- fused losses ------------------------------------------------------------------------------

  softmaxCrossEntropy(logits: Storage, labels: Int32Array, rows: number, cols: number, dtype: DType): { losses: Storage; probs: Storage } {
    this.checkDType(dtype, 'softmaxCrossEntropy');
    const x = this.data(logits);
    const lse = this.runRaw('softmaxCrossEntropy', K.rowLogSumExpKernel, rows, cols, x, cols);
    const probs = this.run('softmaxCrossEntropy', K.rowShiftKernel, rows * cols, 1, x, lse, cols, 0);
    const losses = this.run('softmaxCrossEntropy', K.pickLossKernel, rows, 1, x, lse, Float32Array.from(labels), cols);
    return { losses, probs };
  }

  softmaxCrossEntropyBackward(probs: Storage, labels: Int32Array, dLosses: Storage, rows: number, cols: number, dtype: DType): Storage {
    this.checkDType(dtype, 'softmaxCrossEntropyBackward');
    return this.run('softmaxCrossEntropyBackward', K.softmaxCrossEntropyBackwardKernel, rows * cols, 1, this.data(probs), Float32Array.from(labels), this.data(dLosses), cols);
  }

  logSoftmax(x: Storage, rows: number, cols: number, dtype: DType): Storage {
    this.checkDType(dtype, 'logSoftmax');
    const values = this.data(x);
    const lse = this.runRaw('logSoftmax', K.rowLogSumExpKernel, rows, cols, values, cols);
    return this.run('logSoftmax', K.rowShiftKernel, rows * cols, 1, values, lse, cols, 1);
  }

  logSoftmaxBackward(y: Storage, dy: Storage, rows: number, cols: number, dtype: DType): Storage {
    this.checkDType(dtype, 'logSoftmaxBackward');
    const grads = this.data(dy);
    const sums = this.runRaw('logSoftmaxBackward', K.rowSumKernel, rows, cols, grads, cols);
    return this.run('logSoftmaxBackward', K.logSoftmaxBackwardKernel, rows * cols, 1, this.data(y), grads, sums, cols);
  }

  // --- convolution and pooling -------------------------------------------------------------------

  im2col(x: Storage, g: Conv2dGeometry, dtype: DType): Storage {
    this.checkDType(dtype, 'im2col');
    return this.run('im2col', K.im2colKernel, g.n * g.outH * g.outW * g.c * g.kh * g.kw, 1, this.data(x), geometry(g));
  }

  col2im(cols: Storage, g: Conv2dGeometry, dtype: DType): Storage {
    this.checkDType(dtype, 'col2im');
    return this.run('col2im', K.col2imKernel, g.n * g.c * g.h * g.w, Math.max(g.kh, g.kw), this.data(cols), geometry(g));
  }

  maxPool2d(x: Storage, g: Conv2dGeometry, dtype: DType): { y: Storage; argmax: Int32Array } {
    this.checkDType(dtype, 'maxPool2d');
    const values = this.data(x);
    const size = g.n * g.c * g.outH * g.outW;
    const at = this.runRaw('maxPool2d', K.poolKernel, size, Math.max(g.kh, g.kw), values, geometry(g), 0);
    const y = this.run('maxPool2d', K.pickKernel, size, 1, values, at);
    // A window wholly in the padding has no input: −∞, as the reference (rare; fixed on the host).
    for (let o = 0; o < size; o++) if (at[o] < 0) y.data[o] = -Infinity;
    return { y, argmax: Int32Array.from(at) };
  }

  maxPool2dBackward(dy: Storage, argmax: Int32Array, g: Conv2dGeometry, dtype: DType): Storage {
    this.checkDType(dtype, 'maxPool2dBackward');
    return this.run('maxPool2dBackward', K.poolBackwardKernel, g.n * g.c * g.h * g.w, Math.max(g.kh, g.kw), this.data(dy), Float32Array.from(argmax), geometry(g), 0);
  }

  avgPool2d(x: Storage, g: Conv2dGeometry, dtype: DType): Storage {
    this.checkDType(dtype, 'avgPool2d');
    return this.run('avgPool2d', K.poolKernel, g.n * g.c * g.outH * g.outW, Math.max(g.kh, g.kw), this.data(x), geometry(g), 1);
  }

  avgPool2dBackward(dy: Storage, g: Conv2dGeometry, dtype: DType): Storage {
    this.checkDType(dtype, 'avgPool2dBackward');
    const grads = this.data(dy);
    return this.run('avgPool2dBackward', K.poolBackwardKernel, g.n * g.c * g.h * g.w, Math.max(g.kh, g.kw), grads, grads, geometry(g), 1);
  }
}

function describe(x: unknown): string {
  if (x === null || typeof x !== 'object') return String(x);
  const length = (x as { length?: unknown }).length;
  return `${x.constructor?.name ?? 'object'}${typeof length === 'number' ? ` of ${length}` : ''}`;
}
