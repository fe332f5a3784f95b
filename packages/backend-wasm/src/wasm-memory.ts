/**
 * The fast backend's one shared WebAssembly memory and what lives in it: tensor storage (the
 * buffer pool's arrays, buffer-pool.ts) and the kernels' scratch (matmul.ts, wasm-ops.ts), placed
 * by a first-fit allocator (arena.ts). The GEMM module, the element-wise/convolution module and the
 * GEMM worker threads all import this memory, so a kernel reads its operands and writes its result
 * where the tensors already are: no copy into wasm memory and back per kernel.
 *
 * Storage is still a Float32Array / Float64Array, a view onto the memory at its block's offset,
 * so every JavaScript loop and reference kernel works on it unchanged; a kernel finds the offset
 * with `residentOffset`, which knows only the views made here (a user's array, a reference
 * kernel's output or a subarray is not resident and is copied in as before). The memory is shared,
 * so growing it never detaches a view made before (each `memory.buffer` after growth is a new
 * SharedArrayBuffer over the same bytes).
 *
 * A view that is never released (work outside tidy, an array returned raw from a scope) gives its
 * block back when the collector reclaims the view (a FinalizationRegistry). Hence a subarray of a
 * tensor's data must not outlive the array it was cut from; `Float32Array.from` or `slice` copies.
 * When storage would take more than STORAGE_SHARE of the memory's maximum, or long-lived storage
 * (trained parameters) more than LONG_LIVED_SHARE, it falls back to a plain array (copied in by
 * the kernels like any non-resident operand); kernel scratch that does not fit fails with a
 * RangeError naming the size.
 */
import type { DType } from '@thermograd/autograd';
import { Arena } from './arena.js';
import { MAX_PAGES } from './gemm-wat.js';

// The slice of the WebAssembly JS API used here (the project's `lib` does not declare it).
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const WebAssembly = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
    };
  }
).WebAssembly;

const PAGE = 65536;
/** Tensor storage may fill this share of the maximum; the rest stays free for kernel scratch. */
const STORAGE_SHARE = 0.75;

/** Bytes after every block: the SIMD loops read and write up to a vector past a region's end. */
export const SLACK_BYTES = 32;

/** The maximum each memory was made with (the JS API does not expose it). */
const maxima = new WeakMap<WasmMemory, number>();

/**
 * A new shared memory of `initialPages` that may grow to MAX_PAGES (4 GiB), or to half that where
 * the engine refuses 4 GiB (a 32-bit browser); the kernels' imports accept either.
 */
export function sharedMemory(initialPages = 16): WasmMemory {
  let maximum = MAX_PAGES;
  let memory: WasmMemory;
  try {
    memory = new WebAssembly.Memory({ initial: initialPages, maximum, shared: true });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    maximum = MAX_PAGES / 2;
    memory = new WebAssembly.Memory({ initial: initialPages, maximum, shared: true });
  }
  maxima.set(memory, maximum * PAGE);
  return memory;
}

/** The bytes a memory made by `sharedMemory` may grow to. */
export const maxMemoryBytes = (memory: WasmMemory): number =>
  maxima.get(memory) ?? MAX_PAGES * PAGE;

const MiB = (bytes: number) => Math.ceil(bytes / 2 ** 20);

let memory: WasmMemory | undefined;
// Offset 0 stays unused, so no block starts at a null address. The limit is the memory's maximum,
// set when the memory is made.
let arena = new Arena(64, MAX_PAGES * PAGE);
let f32 = new Float32Array(0);
let i32 = new Int32Array(0);

/**
 * The backend's memory (kernels and worker threads import it), made on first use: a page that is
 * not cross-origin isolated can still import the package (its storage stays in plain arrays).
 */
export function wasmMemory(): WasmMemory {
  if (memory === undefined) {
    memory = sharedMemory();
    arena = new Arena(64, maxMemoryBytes(memory));
    f32 = new Float32Array(memory.buffer);
    i32 = new Int32Array(memory.buffer);
  }
  return memory;
}

/** A Float32Array over the whole memory as it is now (replaced when the memory grows). */
export const memoryF32 = (): Float32Array => (wasmMemory(), f32);
/** An Int32Array over the whole memory as it is now. */
export const memoryI32 = (): Int32Array => (wasmMemory(), i32);

/** Grows the memory to hold at least `endByte` bytes; a RangeError when that passes the maximum. */
export function ensureMemory(endByte: number): void {
  const memory = wasmMemory();
  const have = memory.buffer.byteLength;
  if (endByte <= have) return;
  if (endByte > arena.limit)
    throw new RangeError(
      `fast backend: ${MiB(endByte)} MiB of wasm memory needed, over the ${MiB(arena.limit)} MiB maximum`,
    );
  memory.grow(Math.ceil((endByte - have) / PAGE));
  f32 = new Float32Array(memory.buffer);
  i32 = new Int32Array(memory.buffer);
}

/**
 * Kernel scratch: runs `use(byteOffset)` with a block of `bytes` (plus slack), freed afterwards. A
 * RangeError names the size when it does not fit.
 */
export function withScratch<T>(bytes: number, use: (byteOffset: number) => T): T {
  wasmMemory();
  const at = arena.alloc(bytes + SLACK_BYTES);
  if (at === undefined)
    throw new RangeError(
      `fast backend: a kernel needs ${MiB(bytes)} MiB of wasm memory, more than is free under the ${MiB(arena.limit)} MiB maximum`,
    );
  try {
    ensureMemory(at + bytes + SLACK_BYTES);
    return use(at);
  } finally {
    arena.free(at, bytes + SLACK_BYTES);
  }
}

/**
 * Long-lived storage (a trained parameter, buffer-pool.ts's takeLongLived) may fill this share of
 * the maximum: it is freed only by dispose() or the collector, so past it such storage is a plain
 * array, and tidy storage always keeps the rest of STORAGE_SHARE.
 */
const LONG_LIVED_SHARE = 0.25;
let longLivedBytes = 0;
/** A test's budget for long-lived storage, in bytes (undefined: LONG_LIVED_SHARE of the maximum). */
let longLivedBudget: number | undefined;

/** Sets the budget for long-lived storage in bytes (tests; undefined: the default); returns the previous. */
export function setLongLivedBudget(bytes: number | undefined): number | undefined {
  const was = longLivedBudget;
  longLivedBudget = bytes;
  return was;
}

interface Block {
  at: number;
  bytes: number;
  longLived: boolean;
}
/** Resident views → their block. */
const blocks = new WeakMap<object, Block>();

function freeBlock(block: Block): void {
  arena.free(block.at, block.bytes);
  if (block.longLived) longLivedBytes -= block.bytes;
}
/** Gives a block back when its view is collected without having been freed. */
const collected = new FinalizationRegistry<Block>(freeBlock);

/** Whether `view` was made by `residentArray` as long-lived storage (and is not freed yet). */
export const isLongLived = (view: object): boolean => blocks.get(view)?.longLived === true;

/** The byte offset of a view made by `residentArray`, or -1 for any other array. */
export function residentOffset(view: object): number {
  return blocks.get(view)?.at ?? -1;
}

/**
 * A new view of `size` elements of `dtype` in the memory (contents arbitrary), or undefined when
 * the memory, or for `longLived` storage its budget, has no room for it.
 */
export function residentArray(
  dtype: DType,
  size: number,
  longLived = false,
): Float32Array | Float64Array | undefined {
  const bytesPer = dtype === 'float32' ? 4 : 8;
  const bytes = size * bytesPer + SLACK_BYTES;
  wasmMemory();
  if (arena.used + bytes > STORAGE_SHARE * arena.limit) return undefined;
  if (longLived && longLivedBytes + bytes > (longLivedBudget ?? LONG_LIVED_SHARE * arena.limit))
    return undefined;
  const at = arena.alloc(bytes);
  if (at === undefined) return undefined;
  ensureMemory(at + bytes);
  const view =
    dtype === 'float32'
      ? new Float32Array(wasmMemory().buffer, at, size)
      : new Float64Array(wasmMemory().buffer, at, size);
  const block: Block = { at, bytes, longLived };
  if (longLived) longLivedBytes += bytes;
  blocks.set(view, block);
  collected.register(view, block, view);
  return view;
}

/** Frees a view's block now (no tensor may use the view afterwards); false if it is not resident. */
export function freeResident(view: object): boolean {
  const block = blocks.get(view);
  if (!block) return false;
  blocks.delete(view);
  collected.unregister(view);
  freeBlock(block);
  return true;
}

/** Bytes of the memory held by live blocks (long-lived ones among them), and its size now. */
export function wasmMemoryStats(): {
  usedBytes: number;
  longLivedBytes: number;
  memoryBytes: number;
} {
  return { usedBytes: arena.used, longLivedBytes, memoryBytes: memory?.buffer.byteLength ?? 0 };
}
