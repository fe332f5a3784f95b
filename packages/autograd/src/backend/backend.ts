/**
 * The backend interface: the small set of primitive kernels that every op is written in terms of.
 *
 * A backend owns tensor storage (a typed array on the CPU, a GPU buffer elsewhere) and never sees
 * `Tensor` objects: kernels take storage plus the shapes they need and return new storage. Ops
 * (src/ops) build forward and backward passes from these kernels, so a new backend plugs in by
 * implementing this interface and passing the conformance suite (test/conformance), without
 * touching op code.
 *
 * Primitives take positional (storage, shape, ...) arguments rather than tensor-like objects: a
 * kernel call is the hot path, the shapes it needs differ per kernel (a broadcast binary needs
 * three, a matmul none), and every backend, the conformance suite and the ops already speak this
 * form, so objects would be churn across four packages for no check a test does not already make.
 *
 * Conventions shared by every kernel:
 * - storage is dense, row-major (C order), of the given dtype;
 * - kernels never modify their inputs, except `write`;
 * - shapes passed in are already validated by the op layer.
 */
import type { DType, TypedArray } from '../dtype.js';
import type { Shape } from '../shape.js';

/** Opaque backend-owned storage. */
export type Storage = unknown;

/** Element-wise functions of one argument. Their scalar definitions live in kernels/unary-functions.ts. */
export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'abs'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'leakyRelu' // param: negative slope
  | 'gelu' // tanh approximation is not used: exact erf form, as PyTorch's default
  | 'powScalar' // param: exponent
  | 'clamp' // param: min, param2: max
  | 'square'
  | 'reciprocal'
  | 'sign';

/** Element-wise functions of two broadcast arguments. Comparisons return 1 or 0. */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'eq'
  | 'ne'
  | 'gt'
  | 'ge'
  | 'lt'
  | 'le';

export type ReduceOp = 'sum' | 'max' | 'min';

export interface MatmulParams {
  /** Number of matrices in the batch (1 for plain 2-D matmul). */
  batch: number;
  m: number;
  k: number;
  n: number;
  /** A is stored as [k, m] (per batch) and read transposed. */
  transA: boolean;
  /** B is stored as [n, k] (per batch) and read transposed. */
  transB: boolean;
  /** False when A is one matrix shared by every batch entry (broadcast), true when it has `batch` matrices. */
  aBatched: boolean;
  bBatched: boolean;
}

/** Geometry of a 2-D convolution or pooling window over NCHW input. */
export interface Conv2dGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  outH: number;
  outW: number;
}

export interface Backend {
  /** Short name used by the registry and in error messages, e.g. 'reference'. */
  readonly name: string;
  /**
   * The most elements one tensor may hold on this backend, where a kernel limit sets one (the
   * gpu.js backend's float-indexed kernels: 2^24); absent where only memory limits it. Callers
   * that choose chunk sizes (evaluation) read it.
   */
  readonly maxElements?: number;

  // --- storage ---------------------------------------------------------------------------------
  fromValues(values: ArrayLike<number>, dtype: DType): Storage;
  zeros(size: number, dtype: DType): Storage;
  /**
   * Values as a typed array. A backend whose storage is never recycled (the reference backend) may
   * return its own array; one that recycles storage (the fast backend's pool and wasm memory) must
   * return a copy, or the caller's array would change under it. Callers must not write to it.
   */
  read(storage: Storage, dtype: DType): TypedArray;
  /**
   * The values without blocking this thread (a GPU read-back that maps a buffer asynchronously),
   * as of the call: storage disposed before the promise settles must still give them. The result
   * is the caller's own array. Optional: Tensor.data() falls back to a copy of `read`.
   */
  readAsync?(storage: Storage, dtype: DType): Promise<TypedArray>;
  /** Overwrites storage in place (same size). The only mutating kernel: optimizers use it. */
  write(storage: Storage, values: ArrayLike<number>, dtype: DType): void;
  /** Converts between dtypes (a copy). */
  cast(storage: Storage, size: number, from: DType, to: DType): Storage;
  /** Releases storage. CPU backends may leave this to the garbage collector. */
  dispose(storage: Storage): void;

  // --- element-wise ----------------------------------------------------------------------------
  unary(
    op: UnaryOp,
    x: Storage,
    size: number,
    dtype: DType,
    param: number,
    param2: number,
  ): Storage;
  /** dx = dy · f'(x), where y = f(x) is given too (several derivatives are cheaper in terms of y). */
  unaryBackward(
    op: UnaryOp,
    x: Storage,
    y: Storage,
    dy: Storage,
    size: number,
    dtype: DType,
    param: number,
    param2: number,
  ): Storage;
  /** out[i] = a[i] ∘ b[i] with NumPy broadcasting of aShape and bShape to outShape. */
  binary(
    op: BinaryOp,
    a: Storage,
    aShape: Shape,
    b: Storage,
    bShape: Shape,
    outShape: Shape,
    dtype: DType,
  ): Storage;
  /** out = cond != 0 ? a : b, all three broadcast to outShape. */
  where(
    cond: Storage,
    condShape: Shape,
    a: Storage,
    aShape: Shape,
    b: Storage,
    bShape: Shape,
    outShape: Shape,
    dtype: DType,
  ): Storage;

  // --- reductions ------------------------------------------------------------------------------
  /** Reduces the given (sorted, distinct) axes; the result has those axes as size 1. */
  reduce(op: ReduceOp, x: Storage, shape: Shape, axes: readonly number[], dtype: DType): Storage;
  /**
   * One element: 0 when every one of x's `size` elements is finite, NaN when one is not (an
   * infinity or a NaN). Order-free, so a backend may look at the elements in any order and
   * at any width. Optional: `finiteProbe` (src/ops/reduce.ts) computes the same from
   * `sum(x − x)` without it. The optimizer's per-step finiteness check runs on it.
   */
  finiteProbe?(x: Storage, size: number, dtype: DType): Storage;

  // --- linear algebra --------------------------------------------------------------------------
  /** C[b] = op(A[b]) · op(B[b]), C is [batch, m, n]; op is a transpose without a copy when asked. */
  matmul(a: Storage, b: Storage, params: MatmulParams, dtype: DType): Storage;

  // --- layout ----------------------------------------------------------------------------------
  /** out has shape perm.map(i => shape[i]). */
  permute(x: Storage, shape: Shape, perm: readonly number[], dtype: DType): Storage;
  /** The box starting at `begin` with extent `size`. */
  slice(
    x: Storage,
    shape: Shape,
    begin: readonly number[],
    size: readonly number[],
    dtype: DType,
  ): Storage;
  /** The inverse of slice: zeros of `fullShape` with `x` (of shape `size`) written at `begin`. */
  unslice(
    x: Storage,
    size: readonly number[],
    begin: readonly number[],
    fullShape: Shape,
    dtype: DType,
  ): Storage;
  concat(
    inputs: readonly { storage: Storage; shape: Shape }[],
    axis: number,
    outShape: Shape,
    dtype: DType,
  ): Storage;
  /** Index-select along `axis`: out.shape[axis] = indices.length. Indices are validated by the op. */
  gather(x: Storage, shape: Shape, axis: number, indices: Int32Array, dtype: DType): Storage;
  /** The gradient of gather: zeros of `fullShape`, with dy's slices added at `indices` along `axis`. */
  scatterAdd(
    dy: Storage,
    dyShape: Shape,
    axis: number,
    indices: Int32Array,
    fullShape: Shape,
    dtype: DType,
  ): Storage;

  // --- fused losses ----------------------------------------------------------------------------
  /**
   * Row-wise numerically stable softmax cross-entropy from integer labels over [rows, cols]
   * logits. Returns the per-row losses (size rows) and the softmax probabilities (rows × cols).
   */
  softmaxCrossEntropy(
    logits: Storage,
    labels: Int32Array,
    rows: number,
    cols: number,
    dtype: DType,
  ): { losses: Storage; probs: Storage };
  /** dlogits[r, c] = dLoss[r] · (probs[r, c] − [c = label[r]]). */
  softmaxCrossEntropyBackward(
    probs: Storage,
    labels: Int32Array,
    dLosses: Storage,
    rows: number,
    cols: number,
    dtype: DType,
  ): Storage;
  /** Row-wise log-softmax over the last axis of [rows, cols]. */
  logSoftmax(x: Storage, rows: number, cols: number, dtype: DType): Storage;
  /** dx = dy − softmax · rowsum(dy), given y = logSoftmax(x). */
  logSoftmaxBackward(y: Storage, dy: Storage, rows: number, cols: number, dtype: DType): Storage;

  // --- convolution and pooling (NCHW) ----------------------------------------------------------
  /** Unfolds input patches: result is [n·outH·outW, c·kh·kw], zero padding outside the image. */
  im2col(x: Storage, g: Conv2dGeometry, dtype: DType): Storage;
  /** The adjoint of im2col: folds [n·outH·outW, c·kh·kw] back into [n, c, h, w], adding overlaps. */
  col2im(cols: Storage, g: Conv2dGeometry, dtype: DType): Storage;
  /** Max over each window; `argmax` holds, per output element, the flat input index chosen. */
  maxPool2d(x: Storage, g: Conv2dGeometry, dtype: DType): { y: Storage; argmax: Int32Array };
  maxPool2dBackward(dy: Storage, argmax: Int32Array, g: Conv2dGeometry, dtype: DType): Storage;
  /** Mean over each window, padding counted as zeros (PyTorch's count_include_pad=True). */
  avgPool2d(x: Storage, g: Conv2dGeometry, dtype: DType): Storage;
  avgPool2dBackward(dy: Storage, g: Conv2dGeometry, dtype: DType): Storage;
}
