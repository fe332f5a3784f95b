/**
 * Storage lifetime for the gpu.js backend: every buffer is counted from creation to dispose, and a
 * `tidy(fn)` scope (tfjs's design) disposes the buffers created inside it except those reachable
 * from fn's result or kept with `keep`. On a GPU, buffers are device memory that the JavaScript
 * collector never sees, so a training loop must release its intermediates explicitly; on the CPU
 * modes the same accounting makes leaks visible in tests (`liveBuffers()`).
 *
 * Unlike autograd's tidy (src/tidy.ts there), which lets a graph that outlives its scope keep
 * everything the scope made and leaves it to the garbage collector, this scope always frees: on a
 * GPU nothing would ever collect it. So a graph's intermediates (held by backward closures, not
 * reachable from its tensors) are freed with the scope even when its loss is returned or kept, and
 * a later backward fails with the error below instead of reading freed or reused memory.
 */
import { Tensor } from '@thermograd/autograd';
import type { DeviceBuffer } from './device.js';

/**
 * One buffer. `buffer` is the device's handle: the Float32Array itself when gpu.js runs in this
 * thread (cpu, webasm), an id of a buffer in the worker when it runs behind the bridge (bridge.ts;
 * on the GPU in webgpu mode).
 */
export class GpuStorage {
  private handle: DeviceBuffer | null;

  constructor(
    readonly id: number,
    handle: DeviceBuffer,
    readonly size: number,
  ) {
    this.handle = handle;
  }

  get disposed(): boolean {
    return this.handle === null;
  }

  get buffer(): DeviceBuffer {
    if (this.handle === null) {
      throw new Error(
        `gpu backend: buffer #${this.id} was used after it was disposed (a tidy() scope releases every buffer ` +
          `created inside it that its result does not reach; return the tensor from the scope or keep() it. ` +
          `A graph's intermediates are released even when its loss is returned or kept: ` +
          `run backward inside the scope)`,
      );
    }
    return this.handle;
  }

  /** Forgets the handle; returns it so that the device can free it. */
  release(): DeviceBuffer | null {
    const h = this.handle;
    this.handle = null;
    return h;
  }
}

export class Lifetime {
  private nextId = 0;
  private readonly live = new Set<GpuStorage>();
  private readonly scopes: Set<GpuStorage>[] = [];

  /** `free` releases a disposed buffer's device memory (a worker buffer; nothing in process). */
  constructor(private readonly free: (b: DeviceBuffer) => void = () => {}) {}

  /** Buffers created and not yet disposed. */
  get liveCount(): number {
    return this.live.size;
  }

  track(buffer: DeviceBuffer, size: number): GpuStorage {
    const s = new GpuStorage(this.nextId++, buffer, size);
    this.live.add(s);
    this.scopes.at(-1)?.add(s);
    return s;
  }

  dispose(s: GpuStorage): void {
    if (s.disposed) return;
    const handle = s.release();
    this.live.delete(s);
    for (const scope of this.scopes) scope.delete(s);
    if (handle !== null) this.free(handle);
  }

  /** Removes buffers from every open scope: they live until disposed explicitly. */
  keep(s: GpuStorage): void {
    for (const scope of this.scopes) scope.delete(s);
  }

  tidy<T>(fn: () => T): T {
    const scope = new Set<GpuStorage>();
    this.scopes.push(scope);
    let result: T;
    try {
      result = fn();
      if (result instanceof Promise) {
        throw new TypeError(
          'tidy: the function must be synchronous (its buffers are released when it returns)',
        );
      }
    } finally {
      this.scopes.pop();
    }
    const reachable = new Set<GpuStorage>();
    collectStorages(result, reachable, new Set());
    const parent = this.scopes.at(-1);
    for (const s of scope) {
      if (reachable.has(s)) parent?.add(s);
      else this.dispose(s);
    }
    return result;
  }
}

/** The buffers a value reaches: tensors (and their gradients), storages, arrays and plain objects. */
function collectStorages(value: unknown, out: Set<GpuStorage>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof GpuStorage) {
    out.add(value);
  } else if (value instanceof Tensor) {
    if (!value.isDisposed && value.storage instanceof GpuStorage) out.add(value.storage);
    collectStorages(value.grad, out, seen);
  } else if (Array.isArray(value)) {
    for (const v of value) collectStorages(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype || value instanceof Map) {
    for (const v of value instanceof Map ? value.values() : Object.values(value))
      collectStorages(v, out, seen);
  }
}
