/**
 * The gpu.js backend: every kernel of the thermograd Backend interface as a gpu.js kernel
 * (kernel-sources.ts), in float32.
 *
 * Storage is a counted buffer (lifetime.ts) holding the kernel's output: a Float32Array in process
 * (cpu, webasm), a texture that stays on the GPU in a browser's webgl and webgl2 (pipeline mode,
 * texture-device.ts), an id of a worker's buffer behind the bridge. Intermediates inside a kernel
 * (row statistics of a softmax, say) never become storage. Not accelerated, after a read-back, on the reference backend: concat,
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
import { WorkerDevice } from './bridge.js';
import {
  InProcessDevice,
  RemoteBuffer,
  TextureBuffer,
  type Device,
  type DeviceArg,
  type DeviceBuffer,
  type KernelCall,
  type KernelFn,
} from './device.js';
import type { BridgedMode, GpuJsMode, InProcessMode } from './kernel-cache.js';
import * as K from './kernel-sources.js';
import { elementLimit } from './element-limit.js';
import { GpuStorage, Lifetime } from './lifetime.js';
import type { ModeChoice } from './mode.js';
import { TextureDevice, type TextureMode } from './texture-device.js';

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

/** avgPool2dBackward's argmax argument, which the kernel does not read. */
const NO_ARGMAX = new Float32Array(1);

/** Shapes and strides travel as 8-entry arrays so that one kernel serves every rank up to 8. */
const MAX_RANK = 8;

/** Below this many elements a whole-tensor reduction runs in one kernel. */
const SPLIT_REDUCTION_FROM = 4096;

/**
 * The rows a whole-tensor reduction of `count` elements is split into: the largest divisor of
 * count up to √count, or 0 (no split) when count is small or has no divisor of at least 16.
 */
function splitRows(count: number): number {
  if (count < SPLIT_REDUCTION_FROM) return 0;
  for (let rows = Math.floor(Math.sqrt(count)); rows >= 16; rows--)
    if (count % rows === 0) return rows;
  return 0;
}

function pad(values: readonly number[], what: string): Float32Array {
  if (values.length > MAX_RANK)
    throw new RangeError(
      `gpu backend: ${what} has rank ${values.length}; at most ${MAX_RANK} is supported`,
    );
  const out = new Float32Array(MAX_RANK);
  out.set(values);
  return out;
}

function geometry(g: Conv2dGeometry): Float32Array {
  return Float32Array.of(
    g.n,
    g.c,
    g.h,
    g.w,
    g.kh,
    g.kw,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    g.outH,
    g.outW,
  );
}

function isEmptyArray(arg: DeviceArg): boolean {
  return (
    (arg instanceof Float32Array && arg.length === 0) ||
    ((arg instanceof RemoteBuffer || arg instanceof TextureBuffer) && arg.size === 0)
  );
}

export interface GpuBackendOptions {
  /** The gpu.js mode; webgpu runs only behind the bridge (its kernels return Promises). */
  mode: GpuJsMode;
  /**
   * Run gpu.js in a worker thread behind the synchronous bridge (bridge.ts). Implied by webgpu;
   * in cpu and webasm it runs the same path as webgpu does, testable without a GPU.
   */
  bridge?: boolean;
  /** Bridge only: how long to wait for the worker before reporting it hung (default 120 s). */
  timeoutMs?: number;
  /** Bridge only: wait for every launch, so that a failure surfaces at its own call. */
  checkEachLaunch?: boolean;
  /** Why this mode (from chooseMode); defaults to "mode X was requested". */
  choice?: ModeChoice;
  /** Registry name; 'gpu' by default. */
  name?: string;
  /**
   * Sees every kernel launch with its exact arguments and output (in process only). device/check.ts
   * records a training step this way and replays it on WebGPU.
   */
  observe?: (call: KernelCall) => void;
}

export class GpuBackend implements Backend {
  readonly name: string;
  readonly mode: GpuJsMode;
  /** True when gpu.js runs in a worker thread behind the synchronous bridge. */
  readonly bridged: boolean;
  readonly choice: ModeChoice;
  readonly device: Device;
  /**
   * The most elements a kernel's output may have: 2^24 where kernels index in float32 (webasm,
   * webgpu, and WebGL, also bounded by its MAX_TEXTURE_SIZE squared); cpu kernels index in float64.
   */
  readonly maxElements: number;
  /** Why maxElements is what it is (for the error beyond it). */
  private readonly maxElementsWhy: string;
  private readonly lifetime: Lifetime;

  constructor(options: GpuBackendOptions) {
    this.name = options.name ?? 'gpu';
    this.mode = options.mode;
    if ((options.mode === 'webgl' || options.mode === 'webgl2') && options.bridge === true) {
      throw new Error(
        `gpu backend: mode ${options.mode} runs in a browser, in process; the bridge is a Node worker thread`,
      );
    }
    if (options.mode === 'webgpu' && options.bridge === false) {
      throw new Error(
        'gpu backend: mode webgpu needs the bridge (gpu.js webgpu kernels return Promises); leave bridge unset',
      );
    }
    this.bridged = options.mode === 'webgpu' || options.bridge === true;
    this.choice = options.choice ?? {
      requested: options.mode,
      mode: options.mode,
      bridged: this.bridged,
      reason: `mode ${options.mode} was requested${this.bridged ? ' (kernels in a worker thread)' : ''}`,
    };
    if (this.choice.mode !== this.mode || this.choice.bridged !== this.bridged) {
      throw new Error(
        `gpu backend: choice says ${this.choice.mode}${this.choice.bridged ? ' bridged' : ''} but the options say ${this.mode}${this.bridged ? ' bridged' : ''}`,
      );
    }
    if (this.bridged) {
      if (options.observe)
        throw new Error('gpu backend: observe works in process only (bridge: false)');
      this.device = new WorkerDevice({
        // Not webgl or webgl2: refused above.
        mode: options.mode as BridgedMode,
        timeoutMs: options.timeoutMs,
        checkEachLaunch: options.checkEachLaunch,
      });
    } else if (options.mode === 'webgl' || options.mode === 'webgl2') {
      if (options.observe)
        throw new Error(
          'gpu backend: observe works in modes cpu and webasm only (not on textures)',
        );
      this.device = new TextureDevice(options.mode);
    } else {
      // Not webgpu: that is always bridged.
      this.device = new InProcessDevice(
        options.mode as Exclude<InProcessMode, TextureMode>,
        options.observe,
      );
    }
    ({ max: this.maxElements, why: this.maxElementsWhy } = elementLimit(
      this.mode,
      this.device instanceof TextureDevice ? this.device.maxTextureSize() : undefined,
    ));
    const device = this.device;
    this.lifetime = new Lifetime((b) => device.free(b));
  }

  // --- lifetime ----------------------------------------------------------------------------------

  /** Buffers created and not yet disposed. */
  liveBuffers(): number {
    return this.lifetime.liveCount;
  }

  /** The gpu.js modes the compiled kernels really run in: [this.mode] unless gpu.js degraded one. */
  kernelModes(): string[] {
    return this.device.builtModes();
  }

  /** Kernels compiled so far (one per kernel and loop-limit bucket). */
  compiledKernels(): number {
    return this.device.compiledKernels();
  }

  /**
   * target ← value on the device, for parameter updates: `Tensor.assign(t)` reads t back to the
   * host and uploads it again, which behind the bridge is two transfers per parameter per step.
   */
  assign(target: Tensor, value: Tensor): void {
    if (!target.isLeaf)
      throw new Error(`${this.name} backend: assign: ${target.describe()} is not a leaf tensor`);
    if (target.size !== value.size)
      throw new RangeError(
        `${this.name} backend: assign of ${value.size} values to ${target.describe()}`,
      );
    this.device.copy(this.data(value.storage), this.data(target.storage));
  }

  /**
   * Releases the compiled kernels. In process, storage stays readable; behind the bridge the worker
   * and its buffers are gone.
   */
  destroy(): void {
    this.device.destroy();
  }

  // --- helpers -----------------------------------------------------------------------------------

  private buffer(s: Storage): GpuStorage {
    if (!(s instanceof GpuStorage))
      throw new TypeError(`${this.name} backend: storage from another backend`);
    return s;
  }

  /** The device handle of a storage (fails with a message naming tidy once disposed). */
  private data(s: Storage): DeviceBuffer {
    return this.buffer(s).buffer;
  }

  private track(b: DeviceBuffer, size: number): GpuStorage {
    return this.lifetime.track(b, size);
  }

  /** Values of a storage on the host: the array itself in process, a copy through the bridge. */
  private host(s: Storage): Float32Array {
    return this.device.read(this.data(s));
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
  private run(
    op: string,
    fn: KernelFn,
    size: number,
    maxLoop: number,
    ...args: DeviceArg[]
  ): GpuStorage {
    return this.track(this.runRaw(op, fn, size, maxLoop, ...args), size);
  }

  /** A kernel whose output is no storage (an intermediate): the caller frees it. */
  private runRaw(
    op: string,
    fn: KernelFn,
    size: number,
    maxLoop: number,
    ...args: DeviceArg[]
  ): DeviceBuffer {
    if (size === 0) return this.device.upload(new Float32Array(0));
    // gpu.js cannot bind a zero-length array. A kernel with outputs but an empty input (the
    // [2, 0]·[0, 3] matmul, the backward of an empty slice, col2im of no patches) reads nothing:
    // every output is an empty sum, 0, as on the other backends.
    if (args.some(isEmptyArray)) return this.device.upload(new Float32Array(size));
    if (size > this.maxElements) {
      throw new RangeError(
        `${this.name} backend: ${op} of ${size} elements; ${this.maxElementsWhy} ` +
          '(use a smaller batch, or split the work)',
      );
    }
    return this.device.launch(op, fn, size, maxLoop, args);
  }

  /** Uploads the result of a reference kernel run on read-back values (ops not accelerated). */
  private viaReference(result: Storage): GpuStorage {
    const values = Float32Array.from(result as TypedArray);
    return this.track(this.device.upload(values), values.length);
  }

  // --- storage -----------------------------------------------------------------------------------

  fromValues(values: ArrayLike<number>, dtype: DType): Storage {
    this.checkDType(dtype, 'fromValues');
    const copy = Float32Array.from(values);
    return this.track(this.device.upload(copy), copy.length);
  }

  zeros(size: number, dtype: DType): Storage {
    this.checkDType(dtype, 'zeros');
    return this.track(this.device.upload(new Float32Array(size)), size);
  }

  read(s: Storage, dtype: DType): TypedArray {
    this.checkDType(dtype, 'read');
    return this.host(s);
  }

  /** Behind the worker, a read that does not block (bridge.ts); in process, a copy of read. */
  readAsync(s: Storage, dtype: DType): Promise<TypedArray> {
    this.checkDType(dtype, 'readAsync');
    const b = this.buffer(s).buffer;
    if (this.device.readAsync) return this.device.readAsync(b);
    return Promise.resolve(this.device.read(b).slice());
  }

  write(s: Storage, values: ArrayLike<number>, dtype: DType): void {
    this.checkDType(dtype, 'write');
    const target = this.buffer(s);
    if (values.length !== target.size)
      throw new RangeError(`write: ${values.length} values for storage of ${target.size} elements`);
    this.device.write(target.buffer, values);
  }

  cast(s: Storage, _size: number, from: DType, to: DType): Storage {
    this.checkDType(from, 'cast');
    this.checkDType(to, 'cast');
    const copy = Float32Array.from(this.host(s));
    return this.track(this.device.upload(copy), copy.length);
  }

  dispose(s: Storage): void {
    this.lifetime.dispose(this.buffer(s));
  }

  // --- element-wise ------------------------------------------------------------------------------

  unary(op: UnaryOp, x: Storage, size: number, dtype: DType, p: number, p2: number): Storage {
    this.checkDType(dtype, op);
    return this.run(op, K.unaryKernel, size, 1, this.data(x), UNARY_CODES[op], p, p2);
  }

  unaryBackward(
    op: UnaryOp,
    x: Storage,
    y: Storage,
    dy: Storage,
    size: number,
    dtype: DType,
    p: number,
    p2: number,
  ): Storage {
    this.checkDType(dtype, `${op} backward`);
    return this.run(
      `${op} backward`,
      K.unaryBackwardKernel,
      size,
      1,
      this.data(x),
      this.data(y),
      this.data(dy),
      UNARY_CODES[op],
      p,
      p2,
    );
  }

  binary(
    op: BinaryOp,
    a: Storage,
    aShape: Shape,
    b: Storage,
    bShape: Shape,
    outShape: Shape,
    dtype: DType,
  ): Storage {
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

  where(
    c: Storage,
    cShape: Shape,
    a: Storage,
    aShape: Shape,
    b: Storage,
    bShape: Shape,
    outShape: Shape,
    dtype: DType,
  ): Storage {
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
      const identity = new Float32Array(sizeOf(outShape)).fill(
        op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity,
      );
      return this.track(this.device.upload(identity), identity.length);
    }
    const rows = outShape.every((d) => d === 1) ? splitRows(count) : 0;
    if (rows > 0) {
      // A whole-tensor reduction in one output would run on one GPU thread: reduce rows × (count
      // / rows) by rows first (the flat order is the reduction order), then the row results.
      const partial = this.reduce(op, x, [rows, count / rows], [1], dtype);
      const total = this.reduce(op, partial, [rows], [0], dtype);
      this.dispose(partial);
      return total;
    }
    // Blocks of about √count elements, summed separately (see reduceKernel).
    const block = Math.ceil(Math.sqrt(count));
    const blocks = Math.ceil(count / block);
    return this.run(
      `reduce ${op}`,
      K.reduceKernel,
      sizeOf(outShape),
      Math.max(block, blocks, shape.length),
      this.data(x),
      REDUCE_CODES[op],
      shape.length,
      pad(outShape, 'reduce'),
      pad(strides, 'reduce'),
      axes.length,
      pad(redDims, 'reduce'),
      pad(
        axes.map((a) => strides[a]),
        'reduce',
      ),
      count,
      block,
      blocks,
    );
  }

  // --- linear algebra ----------------------------------------------------------------------------

  matmul(a: Storage, b: Storage, p: MatmulParams, dtype: DType): Storage {
    this.checkDType(dtype, 'matmul');
    const { batch, m, k, n, transA, transB, aBatched, bBatched } = p;
    // Blocks of about √k products, summed separately (see matmulKernel).
    const block = Math.max(1, Math.ceil(Math.sqrt(k)));
    const blocks = Math.ceil(k / block);
    return this.run(
      'matmul',
      K.matmulKernel,
      batch * m * n,
      Math.max(block, blocks),
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
      block,
      blocks,
    );
  }

  // --- layout ------------------------------------------------------------------------------------

  permute(x: Storage, shape: Shape, perm: readonly number[], dtype: DType): Storage {
    this.checkDType(dtype, 'permute');
    const strides = stridesOf(shape);
    const outShape = perm.map((p) => shape[p]);
    return this.run(
      'permute',
      K.stridedCopyKernel,
      sizeOf(shape),
      shape.length,
      this.data(x),
      0,
      shape.length,
      pad(outShape, 'permute'),
      pad(
        perm.map((p) => strides[p]),
        'permute',
      ),
    );
  }

  slice(
    x: Storage,
    shape: Shape,
    begin: readonly number[],
    size: readonly number[],
    dtype: DType,
  ): Storage {
    this.checkDType(dtype, 'slice');
    const strides = stridesOf(shape);
    const base = begin.reduce((s, b, i) => s + b * strides[i], 0);
    return this.run(
      'slice',
      K.stridedCopyKernel,
      sizeOf(size),
      shape.length,
      this.data(x),
      base,
      shape.length,
      pad(size, 'slice'),
      pad(strides, 'slice'),
    );
  }

  unslice(
    x: Storage,
    size: readonly number[],
    begin: readonly number[],
    fullShape: Shape,
    dtype: DType,
  ): Storage {
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

  concat(
    inputs: readonly { storage: Storage; shape: Shape }[],
    axis: number,
    outShape: Shape,
    dtype: DType,
  ): Storage {
    this.checkDType(dtype, 'concat');
    const host = inputs.map((i) => ({ storage: this.host(i.storage) as Storage, shape: i.shape }));
    return this.viaReference(referenceBackend.concat(host, axis, outShape, dtype));
  }

  gather(x: Storage, shape: Shape, axis: number, indices: Int32Array, dtype: DType): Storage {
    this.checkDType(dtype, 'gather');
    return this.viaReference(referenceBackend.gather(this.host(x), shape, axis, indices, dtype));
  }

  scatterAdd(
    dy: Storage,
    dyShape: Shape,
    axis: number,
    indices: Int32Array,
    fullShape: Shape,
    dtype: DType,
  ): Storage {
    this.checkDType(dtype, 'scatterAdd');
    return this.viaReference(
      referenceBackend.scatterAdd(this.host(dy), dyShape, axis, indices, fullShape, dtype),
    );
  }

  // --- fused losses ------------------------------------------------------------------------------

  softmaxCrossEntropy(
    logits: Storage,
    labels: Int32Array,
    rows: number,
    cols: number,
    dtype: DType,
  ): { losses: Storage; probs: Storage } {
    this.checkDType(dtype, 'softmaxCrossEntropy');
    const x = this.data(logits);
    const stats = this.runRaw(
      'softmaxCrossEntropy',
      K.rowSoftmaxStatsKernel,
      2 * rows,
      cols,
      x,
      cols,
    );
    const probs = this.run(
      'softmaxCrossEntropy',
      K.rowShiftKernel,
      rows * cols,
      1,
      x,
      stats,
      cols,
      0,
    );
    const losses = this.run(
      'softmaxCrossEntropy',
      K.pickLossKernel,
      rows,
      1,
      x,
      stats,
      Float32Array.from(labels),
      cols,
    );
    this.device.free(stats);
    return { losses, probs };
  }

  softmaxCrossEntropyBackward(
    probs: Storage,
    labels: Int32Array,
    dLosses: Storage,
    rows: number,
    cols: number,
    dtype: DType,
  ): Storage {
    this.checkDType(dtype, 'softmaxCrossEntropyBackward');
    return this.run(
      'softmaxCrossEntropyBackward',
      K.softmaxCrossEntropyBackwardKernel,
      rows * cols,
      1,
      this.data(probs),
      Float32Array.from(labels),
      this.data(dLosses),
      cols,
    );
  }

  logSoftmax(x: Storage, rows: number, cols: number, dtype: DType): Storage {
    this.checkDType(dtype, 'logSoftmax');
    const values = this.data(x);
    const stats = this.runRaw('logSoftmax', K.rowSoftmaxStatsKernel, 2 * rows, cols, values, cols);
    const y = this.run('logSoftmax', K.rowShiftKernel, rows * cols, 1, values, stats, cols, 1);
    this.device.free(stats);
    return y;
  }

  logSoftmaxBackward(y: Storage, dy: Storage, rows: number, cols: number, dtype: DType): Storage {
    this.checkDType(dtype, 'logSoftmaxBackward');
    const grads = this.data(dy);
    const sums = this.runRaw('logSoftmaxBackward', K.rowSumKernel, rows, cols, grads, cols);
    const dx = this.run(
      'logSoftmaxBackward',
      K.logSoftmaxBackwardKernel,
      rows * cols,
      1,
      this.data(y),
      grads,
      sums,
      cols,
    );
    this.device.free(sums);
    return dx;
  }

  // --- convolution and pooling -------------------------------------------------------------------

  im2col(x: Storage, g: Conv2dGeometry, dtype: DType): Storage {
    this.checkDType(dtype, 'im2col');
    return this.run(
      'im2col',
      K.im2colKernel,
      g.n * g.outH * g.outW * g.c * g.kh * g.kw,
      1,
      this.data(x),
      geometry(g),
    );
  }

  col2im(cols: Storage, g: Conv2dGeometry, dtype: DType): Storage {
    this.checkDType(dtype, 'col2im');
    return this.run(
      'col2im',
      K.col2imKernel,
      g.n * g.c * g.h * g.w,
      Math.max(g.kh, g.kw),
      this.data(cols),
      geometry(g),
    );
  }

  maxPool2d(x: Storage, g: Conv2dGeometry, dtype: DType): { y: Storage; argmax: Int32Array } {
    this.checkDType(dtype, 'maxPool2d');
    const values = this.data(x);
    const size = g.n * g.c * g.outH * g.outW;
    // An empty image (h or w 0, windows only in the padding) has no maximum anywhere: −1 (−∞).
    if (g.h * g.w === 0 && size > 0) {
      const y = this.track(this.device.upload(new Float32Array(size).fill(-Infinity)), size);
      return { y, argmax: new Int32Array(size).fill(-1) };
    }
    const atBuffer = this.runRaw(
      'maxPool2d',
      K.poolKernel,
      size,
      Math.max(g.kh, g.kw),
      values,
      geometry(g),
      0,
    );
    const y = this.run('maxPool2d', K.pickKernel, size, 1, values, atBuffer);
    // The interface returns the argmax on the host: the one read-back of a training step's forward.
    const at = this.device.read(atBuffer);
    this.device.free(atBuffer);
    // A window wholly in the padding has no input: −∞, as the reference (rare; fixed on the host).
    if (at.some((p) => p < 0)) {
      const fixed = Float32Array.from(this.host(y));
      for (let o = 0; o < size; o++) if (at[o] < 0) fixed[o] = -Infinity;
      this.device.write(y.buffer, fixed);
    }
    return { y, argmax: Int32Array.from(at) };
  }

  maxPool2dBackward(dy: Storage, argmax: Int32Array, g: Conv2dGeometry, dtype: DType): Storage {
    this.checkDType(dtype, 'maxPool2dBackward');
    return this.run(
      'maxPool2dBackward',
      K.poolBackwardKernel,
      g.n * g.c * g.h * g.w,
      Math.max(g.kh, g.kw),
      this.data(dy),
      Float32Array.from(argmax),
      geometry(g),
      0,
    );
  }

  avgPool2d(x: Storage, g: Conv2dGeometry, dtype: DType): Storage {
    this.checkDType(dtype, 'avgPool2d');
    return this.run(
      'avgPool2d',
      K.poolKernel,
      g.n * g.c * g.outH * g.outW,
      Math.max(g.kh, g.kw),
      this.data(x),
      geometry(g),
      1,
    );
  }

  avgPool2dBackward(dy: Storage, g: Conv2dGeometry, dtype: DType): Storage {
    this.checkDType(dtype, 'avgPool2dBackward');
    // The kernel ignores its argmax here; a host array stands in, as for maxPool2dBackward, so
    // the argument keeps its type (gpu.js switches compiled variants, unreliably, when an
    // argument changes between a host array and a texture).
    return this.run(
      'avgPool2dBackward',
      K.poolBackwardKernel,
      g.n * g.c * g.h * g.w,
      Math.max(g.kh, g.kw),
      this.data(dy),
      NO_ARGMAX,
      geometry(g),
      1,
    );
  }
}
