/**
 * Storage lifetime for the gpu.js backend: every buffer is counted from creation to dispose
 * (`liveBuffers()`). On a GPU, buffers are device memory that the JavaScript collector never sees,
 * so a training loop must release its intermediates explicitly; on the CPU modes the same
 * accounting makes leaks visible in tests.
 *
 * Scopes are autograd's `tidy`/`keep` (src/tidy.ts there), one stack for every backend: every
 * buffer a kernel returns is wrapped by a tensor (ops wrap their raw intermediates too), and a
 * tensor that a scope disposes disposes its buffer here (`backend.dispose`). When a graph outlives
 * its scope (a returned or kept loss that still has its graph), the scope frees nothing, as on
 * every backend, so that a later backward reads the values it was built from; the enclosing scope
 * frees them, and at top level they stay until the process ends: run backward inside the scope,
 * or return numbers.
 */
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
        `gpu backend: buffer #${this.id} was used after it was disposed (a tidy() scope disposes ` +
          `what its result does not reach; return the tensor from the scope or keep() it)`,
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

  /** `free` releases a disposed buffer's device memory (a worker buffer; nothing in process). */
  constructor(private readonly free: (b: DeviceBuffer) => void = () => {}) {}

  /** Buffers created and not yet disposed. */
  get liveCount(): number {
    return this.live.size;
  }

  track(buffer: DeviceBuffer, size: number): GpuStorage {
    const s = new GpuStorage(this.nextId++, buffer, size);
    this.live.add(s);
    return s;
  }

  dispose(s: GpuStorage): void {
    if (s.disposed) return;
    const handle = s.release();
    this.live.delete(s);
    if (handle !== null) this.free(handle);
  }
}
