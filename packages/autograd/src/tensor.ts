/**
 * The Tensor: a shape plus storage owned by a backend, and the autograd bookkeeping (whether it
 * needs a gradient, its accumulated `.grad`, and the node that produced it).
 *
 * Methods such as `x.add(y)` or `x.matmul(w)` are installed by the op files themselves
 * (src/ops/*), each beside its forward and backward; this file knows nothing about ops.
 */
import type { Backend, Storage } from './backend/backend.js';
import { arrayFrom, type DType, type TypedArray } from './dtype.js';
import { shapeToString, sizeOf, type Shape } from './shape.js';
import { runBackward, type BackwardOptions, type GradNode } from './autograd.js';
import { moveWrapper, trackTensor, untrackTensor } from './tidy.js';

/** Per-example gradient statistics left on a parameter by `backward({ perExample })`. */
export interface PerExampleRecord {
  /** |ĝ_b|² for each example b of the batch, where ĝ_b is the gradient of example b's own loss. */
  sqNorms: Float64Array;
  /** The per-example gradients themselves, [B, ...param.shape], when asked for with perExample: 'grads'. */
  grads?: TypedArray;
}

let nextId = 0;

export class Tensor {
  /** A unique, increasing id: stable ordering and readable debugging. */
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly backend: Backend;
  /** Whether gradients flow to this tensor. Set on leaves by the user; derived on op results. */
  requiresGrad = false;
  /** Accumulated gradient of a leaf after backward(); summed across calls until zeroGrad(). */
  grad: Tensor | null = null;
  /** The op that produced this tensor and how to differentiate it; null for leaves. */
  gradNode: GradNode | null = null;
  /** Optional name, used in error messages (parameters get their module path). */
  name: string | undefined;
  /** Filled by backward({ perExample }) on parameters. */
  perExample: PerExampleRecord | null = null;
  private storageRef: Storage | null;

  constructor(storage: Storage, shape: Shape, dtype: DType, backend: Backend) {
    this.storageRef = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.backend = backend;
    trackTensor(this, storage);
  }

  get storage(): Storage {
    if (this.storageRef === null) throw new Error(`${this.describe()}: tensor was disposed`);
    return this.storageRef;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isLeaf(): boolean {
    return this.gradNode === null;
  }

  get isDisposed(): boolean {
    return this.storageRef === null;
  }

  /** A copy of the values as a typed array of this tensor's dtype. */
  toArray(): TypedArray {
    return arrayFrom(this.dtype, this.backend.read(this.storage, this.dtype));
  }

  /**
   * The values, without a copy where the backend never recycles storage (the reference backend);
   * do not write to the result.
   */
  dataSync(): TypedArray {
    return this.backend.read(this.storage, this.dtype);
  }

  /**
   * A copy of the values without blocking where the backend can read asynchronously (the gpu
   * backend behind its worker), as TF.js's `data()`: the values as of the call, even if the tensor
   * is disposed before the promise settles.
   */
  async data(): Promise<TypedArray> {
    // An async function runs synchronously up to its first await: the read starts at the call,
    // and an error (a disposed tensor) becomes a rejection.
    const storage = this.storage;
    return this.backend.readAsync ? this.backend.readAsync(storage, this.dtype) : this.toArray();
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new Error(
        `item: tensor of shape ${shapeToString(this.shape)} has ${this.size} elements, not 1`,
      );
    return this.backend.read(this.storage, this.dtype)[0];
  }

  /** Nested plain arrays (small tensors: tests, printing). */
  toNested(): unknown {
    const values = this.dataSync();
    const build = (dim: number, offset: number): unknown => {
      if (dim === this.shape.length) return values[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** Marks a leaf as needing gradients (as PyTorch's requires_grad_). */
  requireGrad(flag = true): this {
    if (!this.isLeaf && !flag)
      throw new Error(
        `${this.describe()}: cannot turn off requiresGrad on a non-leaf; use detach()`,
      );
    this.requiresGrad = flag;
    return this;
  }

  /** A new leaf sharing this tensor's storage, outside the graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.dtype, this.backend);
  }

  zeroGrad(): void {
    this.grad = null;
    this.perExample = null;
  }

  /**
   * Reverse-mode differentiation from this tensor. A scalar output uses dL/dL = 1; a non-scalar
   * output needs an explicit output gradient of the same shape. Options may come first:
   * `loss.backward({ perExample: 'norms' })`.
   */
  backward(outputGrad?: Tensor | BackwardOptions, options: BackwardOptions = {}): void {
    if (outputGrad !== undefined && !(outputGrad instanceof Tensor))
      runBackward(this, undefined, outputGrad);
    else runBackward(this, outputGrad, options);
  }

  /**
   * Overwrites the values in place (optimizers use this on parameters). Only leaves may be
   * written: changing a value that a graph has recorded would make its gradients wrong.
   */
  assign(values: ArrayLike<number> | Tensor): this {
    if (!this.isLeaf) throw new Error(`${this.describe()}: assign is only allowed on leaf tensors`);
    const data = values instanceof Tensor ? values.dataSync() : values;
    if (data.length !== this.size) {
      throw new RangeError(
        `${this.describe()}: assign of ${data.length} values to a tensor of ${this.size} elements`,
      );
    }
    this.backend.write(this.storage, data, this.dtype);
    return this;
  }

  /**
   * Moves this tensor onto `storage`, which its backend made with the same values (the fast
   * backend moves a trained parameter into wasm memory so), and returns true; returns false and
   * changes nothing when another tensor shares the current storage (a view, reshape or detach).
   * The old storage is left to the collector.
   */
  replaceStorage(storage: Storage): boolean {
    if (!moveWrapper(this.storage, storage)) return false;
    this.storageRef = storage;
    return true;
  }

  /**
   * Releases this tensor. Its storage goes back to the backend (GPU memory freed; the fast
   * backend's buffer pool reuses it) once no other live tensor shares it (views, reshape, detach):
   * see tidy.ts. Disposing twice is a no-op.
   */
  dispose(): void {
    const storage = this.storageRef;
    if (storage === null) return;
    this.storageRef = null;
    if (untrackTensor(this, storage)) this.backend.dispose(storage);
  }

  describe(): string {
    return `${this.name ? `'${this.name}' ` : ''}Tensor${shapeToString(this.shape)} ${this.dtype}`;
  }

  toString(): string {
    const body = this.size <= 64 ? JSON.stringify(this.toNested()) : `<${this.size} values>`;
    return `tensor(${body}, shape=${shapeToString(this.shape)}, dtype=${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}
