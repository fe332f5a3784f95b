/**
 * Where the gpu.js kernels run and the buffers live, behind one synchronous interface that the
 * backend (backend.ts) drives:
 *
 * - InProcessDevice: gpu.js in this thread, modes cpu and webasm (kernels return arrays
 *   synchronously). A buffer is the Float32Array a kernel returned.
 * - TextureDevice (texture-device.ts): gpu.js in this thread, a browser's webgl and webgl2, in
 *   pipeline mode. A buffer is a TextureBuffer: a texture that stays on the GPU until read.
 * - WorkerDevice (bridge.ts): gpu.js in a Node worker thread, in cpu, webasm or webgpu (whose
 *   kernels return Promises). A buffer is an id; its values stay in the worker (on the GPU in webgpu
 *   mode) until read.
 */
import type { Texture } from 'gpu.js';
import { KernelCache, type GpuJsMode, type InProcessMode } from './kernel-cache.js';

/** A kernel function from kernel-sources.ts. */
export type KernelFn = (...args: never[]) => number;

/** A buffer in the worker, named by id; `size` is its number of float32 values. */
export class RemoteBuffer {
  constructor(
    readonly id: number,
    readonly size: number,
  ) {}
}

/**
 * A gpu.js texture on the GPU (WebGL modes) holding `size` float32 values; null when empty (gpu.js
 * makes no zero-sized texture). `texture` changes when the buffer is written: the handle stays.
 */
export class TextureBuffer {
  constructor(
    public texture: Texture | null,
    readonly size: number,
  ) {}
}

export type DeviceBuffer = Float32Array | RemoteBuffer | TextureBuffer;
/** A kernel argument: a number, a host array (shapes, strides, labels) or a device buffer. */
export type DeviceArg = number | Float32Array | DeviceBuffer;

export interface KernelCall {
  op: string;
  fn: KernelFn;
  size: number;
  maxLoop: number;
  args: unknown[];
  out: Float32Array;
}

export interface Device {
  readonly mode: GpuJsMode;
  /** True when the kernels run in a worker thread. */
  readonly bridged: boolean;
  /** A new buffer holding these values (the device may keep the array itself). */
  upload(values: Float32Array): DeviceBuffer;
  /** Runs a kernel over `size` outputs whose loops run at most `maxLoop` times. */
  launch(
    op: string,
    fn: KernelFn,
    size: number,
    maxLoop: number,
    args: readonly DeviceArg[],
  ): DeviceBuffer;
  /** The values; in process the buffer itself (do not write to it), through the bridge a copy. */
  read(b: DeviceBuffer): Float32Array;
  /** The values without blocking this thread, where the device can (the worker bridge). */
  readAsync?(b: DeviceBuffer): Promise<Float32Array>;
  write(b: DeviceBuffer, values: ArrayLike<number>): void;
  /** dst's values become src's, on the device (no read-back). */
  copy(src: DeviceBuffer, dst: DeviceBuffer): void;
  free(b: DeviceBuffer): void;
  compiledKernels(): number;
  builtModes(): string[];
  destroy(): void;
}

/** What every device that runs gpu.js in this thread shares: its compiled kernels. */
export abstract class LocalKernels {
  readonly bridged = false;

  constructor(protected readonly kernels: KernelCache) {}

  compiledKernels(): number {
    return this.kernels.compiled;
  }

  builtModes(): string[] {
    return [...this.kernels.builtModes()];
  }

  destroy(): void {
    this.kernels.destroy();
  }
}

export class InProcessDevice extends LocalKernels implements Device {
  constructor(
    readonly mode: Exclude<InProcessMode, 'webgl' | 'webgl2'>,
    private readonly observe?: (call: KernelCall) => void,
  ) {
    super(new KernelCache(mode));
  }

  upload(values: Float32Array): Float32Array {
    return values;
  }

  launch(
    op: string,
    fn: KernelFn,
    size: number,
    maxLoop: number,
    args: readonly DeviceArg[],
  ): Float32Array {
    const out = this.kernels.get(fn, maxLoop, size)(...(args as never[])) as unknown;
    if (!(out instanceof Float32Array) || out.length !== size) {
      throw new Error(`gpu backend: ${op}: gpu.js returned ${describe(out)} for ${size} outputs`);
    }
    this.observe?.({ op, fn, size, maxLoop, args: [...args], out });
    return out;
  }

  read(b: DeviceBuffer): Float32Array {
    return b as Float32Array;
  }

  write(b: DeviceBuffer, values: ArrayLike<number>): void {
    (b as Float32Array).set(values);
  }

  copy(src: DeviceBuffer, dst: DeviceBuffer): void {
    (dst as Float32Array).set(src as Float32Array);
  }

  free(): void {
    // The collector reclaims host arrays.
  }
}

export function describe(x: unknown): string {
  if (x === null || typeof x !== 'object') return String(x);
  const length = (x as { length?: unknown }).length;
  return `${x.constructor?.name ?? 'object'}${typeof length === 'number' ? ` of ${length}` : ''}`;
}
