/**
 * gpu.js's browser modes, webgl and webgl2, in pipeline mode: every kernel returns a texture that
 * stays on the GPU and feeds the next kernel directly. Nothing is read back until a tensor's values
 * are asked for (`read`), and nothing is uploaded again: `upload` and `write` put host values into a
 * texture once. Side inputs that the backend builds on the host (shapes, strides, labels, pooling
 * argmax) stay host arrays, which gpu.js uploads with the call.
 *
 * Every kernel is compiled `immutable` (kernel-cache.ts), so each call renders into a new texture
 * and a texture held by a live tensor is never overwritten. `free` deletes the texture; autograd's
 * tidy/dispose reach it through the backend's `dispose`.
 */
import type { Texture } from 'gpu.js';
import {
  describe,
  LocalKernels,
  TextureBuffer,
  type Device,
  type DeviceArg,
  type DeviceBuffer,
  type KernelFn,
} from './device.js';
import { KernelCache } from './kernel-cache.js';
import { copyKernel } from './kernel-sources.js';

export type TextureMode = 'webgl' | 'webgl2';

function isTexture(x: unknown): x is Texture {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Texture).toArray === 'function' &&
    typeof (x as Texture).delete === 'function'
  );
}

function handle(b: DeviceBuffer): TextureBuffer {
  if (!(b instanceof TextureBuffer))
    throw new TypeError(`gpu backend: ${describe(b)} is not a texture of this device`);
  return b;
}

export class TextureDevice extends LocalKernels implements Device {
  constructor(readonly mode: TextureMode) {
    super(new KernelCache(mode, true));
  }

  /** The context's MAX_TEXTURE_SIZE: a texture is at most this many texels wide and high. */
  maxTextureSize(): number {
    const features = (this.kernels.gpu.Kernel as { features?: { maxTextureSize?: unknown } } | null)
      ?.features;
    const size = features?.maxTextureSize;
    if (typeof size !== 'number' || !(size > 0))
      throw new Error(`gpu backend: gpu.js ${this.mode} reports no MAX_TEXTURE_SIZE`);
    return size;
  }

  upload(values: Float32Array): TextureBuffer {
    if (values.length === 0) return new TextureBuffer(null, 0);
    // A copy kernel of its own: its argument is a host array, where the copy's is a texture.
    const kernel = this.kernels.get(copyKernel, 1, values.length, 'upload');
    return new TextureBuffer(this.texture('upload', kernel(values), values.length), values.length);
  }

  launch(
    op: string,
    fn: KernelFn,
    size: number,
    maxLoop: number,
    args: readonly DeviceArg[],
  ): TextureBuffer {
    const inputs = args.map((a) => (a instanceof TextureBuffer ? this.live(a) : a));
    const out = this.kernels.get(fn, maxLoop, size)(...(inputs as never[])) as unknown;
    return new TextureBuffer(this.texture(op, out, size), size);
  }

  /** Reads the texture back: a new array on every call, never a cached copy. */
  read(b: DeviceBuffer): Float32Array {
    const buffer = handle(b);
    if (buffer.size === 0) return new Float32Array(0);
    const values = this.live(buffer).toArray() as unknown;
    if (!(values instanceof Float32Array) || values.length !== buffer.size)
      throw new Error(
        `gpu backend: reading a texture of ${buffer.size} values gave ${describe(values)}`,
      );
    return values;
  }

  /** A new texture with these values replaces the buffer's (the handle stays). */
  write(b: DeviceBuffer, values: ArrayLike<number>): void {
    const buffer = handle(b);
    const fresh = this.upload(Float32Array.from(values)).texture;
    buffer.texture?.delete();
    buffer.texture = fresh;
  }

  copy(src: DeviceBuffer, dst: DeviceBuffer): void {
    const from = handle(src);
    const to = handle(dst);
    const copied =
      from.size === 0
        ? null
        : this.texture(
            'copy',
            this.kernels.get(copyKernel, 1, from.size)(this.live(from)),
            from.size,
          );
    to.texture?.delete();
    to.texture = copied;
  }

  free(b: DeviceBuffer): void {
    const buffer = handle(b);
    buffer.texture?.delete();
    buffer.texture = null;
  }

  private live(b: TextureBuffer): Texture {
    if (b.texture === null)
      throw new Error(`gpu backend: a freed texture (${b.size} values) was used`);
    return b.texture;
  }

  private texture(op: string, out: unknown, size: number): Texture {
    if (!isTexture(out))
      throw new Error(
        `gpu backend: ${op}: gpu.js returned ${describe(out)} for ${size} outputs, not a texture`,
      );
    return out;
  }
}
