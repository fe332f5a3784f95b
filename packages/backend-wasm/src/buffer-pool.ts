/**
 * Recycled Float32Array / Float64Array storage for the fast backend, keyed by dtype and length.
 * Arrays made inside a tidy scope are views onto the backend's shared wasm memory (wasm-memory.ts),
 * so the wasm kernels work on them in place; the rest are plain arrays, which the kernels copy in
 * and out. Why only inside tidy: there storage comes back deterministically (the scope releases
 * it), while storage outside any scope is left to the collector, which does not see wasm memory
 * filling up (a view is a few bytes of JavaScript heap) and so would reclaim it too late. Plain
 * arrays are also what every array is where shared memory is off (`setResidentStorage(false)`)
 * or the memory's storage budget is spent.
 *
 * One kind of storage made outside tidy does move into wasm memory: a float32 parameter, on its
 * first update by the Optimizer (`takeLongLived`, fast-backend.ts's `assign`). The user holds it
 * on purpose, every step's kernels read it, and the optimizer's state beside it is already made
 * inside the step's scope. Such a long-lived block is freed by dispose() or, as a backstop, by
 * the collector, and long-lived storage may fill only a quarter of the memory's maximum (past that
 * parameters stay plain arrays; wasm-memory.ts), so models dropped without dispose() never crowd
 * out a step's storage. Moving at the update rather than at creation needs no hint from the code
 * that makes the tensor (a parameter is made by `tensor()`, then marked), and a model that is
 * never trained never takes wasm memory.
 *
 * A training step run inside `tidy` (src/tidy.ts) disposes its intermediates when it ends; their
 * storage comes back here (`backend.dispose`), and the next step's kernels, which ask for the
 * same sizes in the same order, take it instead of allocating: after a warm-up step a step makes
 * no new buffers (no garbage proportional to the model). Outside tidy a take may reuse a buffer
 * that an earlier scope released (a view onto wasm memory, then, given back by dispose() or the
 * collector like any other); otherwise it is a plain allocation.
 *
 * Buffers handed out are dirty (a previous tensor's values): `take` is for kernels that write every
 * element, `takeZeroed` for kernels that accumulate into zeros. Only arrays the pool itself made
 * come back into it: a reference kernel's output (the fallback paths) is left to the collector,
 * since no take may ever ask for its size and it would sit in the pool for good. The same array
 * is never pooled twice, and the pool holds at most MAX_POOLED_BYTES (the rest go to the
 * collector, or, for a view onto wasm memory, back to the allocator).
 * Tensor-level reference counting (tidy.ts) guarantees that a released buffer is wrapped by no live
 * tensor; every buffer a kernel returns is wrapped by one (ops wrap their raw intermediates), so
 * the pool needs no scope bookkeeping of its own.
 */
import { tidyDepth, type DType, type TypedArray } from '@thermograd/autograd';
import { freeResident, isLongLived, residentArray, residentOffset } from './wasm-memory.js';

/** Upper bound on the bytes held for reuse. */
const MAX_POOLED_BYTES = 512 * 2 ** 20;

const free32 = new Map<number, Float32Array[]>();
const free64 = new Map<number, Float64Array[]>();
/** Arrays currently in the pool: a second release of the same array must not hand it out twice. */
const pooled = new WeakSet<object>();
/** Arrays this pool allocated: the only ones `release` takes back. */
const ours = new WeakSet<object>();
let pooledBytes = 0;

export interface BufferPoolStats {
  /** Takes served from the pool. */
  hits: number;
  /** Takes that allocated a new array. */
  misses: number;
  /** Arrays given back and kept for reuse. */
  released: number;
  /** Arrays and bytes held for reuse now. */
  pooledBuffers: number;
  pooledBytes: number;
}

const counters = { hits: 0, misses: 0, released: 0, pooledBuffers: 0 };

export function bufferPoolStats(): BufferPoolStats {
  return { ...counters, pooledBytes };
}

/** Whether new storage is placed in wasm memory (see setResidentStorage). */
let resident = typeof SharedArrayBuffer !== 'undefined';

/**
 * Places new storage in the shared wasm memory (the default where SharedArrayBuffer exists) or in
 * plain arrays that the kernels copy in and out (the behaviour without cross-origin isolation;
 * tests switch it to check that path). Returns the previous setting.
 */
export function setResidentStorage(on: boolean): boolean {
  const was = resident;
  resident = on;
  return was;
}

/** Whether new storage is placed in wasm memory. */
export const residentStorage = (): boolean => resident;

/** Empties the pool and zeroes the counters (tests, benchmarks). */
export function resetBufferPool(): void {
  for (const list of [...free32.values(), ...free64.values()]) for (const a of list) drop(a);
  free32.clear();
  free64.clear();
  pooledBytes = 0;
  counters.hits = counters.misses = counters.released = counters.pooledBuffers = 0;
}

/** A new array for the pool: a view onto wasm memory inside tidy, when that is on and has room. */
function allocate(dtype: DType, size: number): Float32Array | Float64Array {
  const a =
    (resident && tidyDepth() > 0 && residentArray(dtype, size)) ||
    (dtype === 'float32' ? new Float32Array(size) : new Float64Array(size));
  ours.add(a);
  return a;
}

/** An array leaves the pool for good: a wasm block goes back to the allocator, the rest to the collector. */
function drop(a: Float32Array | Float64Array): void {
  ours.delete(a);
  freeResident(a);
}

function fromPool<A extends Float32Array | Float64Array>(list: A[] | undefined): A | undefined {
  const a = list?.pop();
  if (a === undefined) return undefined;
  pooled.delete(a);
  pooledBytes -= a.byteLength;
  counters.pooledBuffers--;
  counters.hits++;
  return a;
}

/** A Float32Array of `size` elements with arbitrary contents. */
export function takeF32(size: number): Float32Array {
  let a = fromPool(free32.get(size));
  if (a === undefined) {
    counters.misses++;
    a = allocate('float32', size) as Float32Array;
  }
  return a;
}

function takeF64(size: number): Float64Array {
  let a = fromPool(free64.get(size));
  if (a === undefined) {
    counters.misses++;
    a = allocate('float64', size) as Float64Array;
  }
  return a;
}

/** An array of `dtype` and `size` elements with arbitrary contents: the caller writes every element. */
export function take(dtype: DType, size: number): TypedArray {
  return dtype === 'float32' ? takeF32(size) : takeF64(size);
}

/** An array of `dtype` and `size` zeros. */
export function takeZeroed(dtype: DType, size: number): TypedArray {
  // A new plain array is already zero-filled; a hit, or a block of wasm memory, must be cleared.
  const before = counters.misses;
  const a = take(dtype, size);
  if (counters.misses === before || residentOffset(a) >= 0) a.fill(0);
  return a;
}

/**
 * Wasm memory for a tensor that lives on across steps (a trained parameter, fast-backend.ts's
 * assign), or undefined where storage is not resident or the long-lived budget is spent
 * (wasm-memory.ts). Its block is freed when the tensor is disposed, or by the collector.
 */
export function takeLongLived(dtype: DType, size: number): Float32Array | Float64Array | undefined {
  const a = resident ? residentArray(dtype, size, true) : undefined;
  if (a !== undefined) ours.add(a);
  return a;
}

/** Whether the pool made this array (so it may be recycled, or live in wasm memory). */
export const isPoolArray = (storage: unknown): storage is Float32Array | Float64Array =>
  (storage instanceof Float32Array || storage instanceof Float64Array) && ours.has(storage);

/** Gives storage back for reuse; anything the pool did not make is left alone. */
export function release(storage: unknown): void {
  if (!(storage instanceof Float32Array || storage instanceof Float64Array)) return;
  if (!ours.has(storage) || pooled.has(storage)) return;
  if (
    // A long-lived block (takeLongLived) is freed when released, never pooled.
    isLongLived(storage) ||
    storage.length === 0 ||
    pooledBytes + storage.byteLength > MAX_POOLED_BYTES
  ) {
    drop(storage);
    return;
  }
  pooled.add(storage);
  pooledBytes += storage.byteLength;
  counters.pooledBuffers++;
  counters.released++;
  if (storage instanceof Float32Array) {
    const list = free32.get(storage.length);
    if (list) list.push(storage);
    else free32.set(storage.length, [storage]);
  } else {
    const list = free64.get(storage.length);
    if (list) list.push(storage);
    else free64.set(storage.length, [storage]);
  }
}
