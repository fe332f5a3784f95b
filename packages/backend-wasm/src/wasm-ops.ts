/**
 * The float32 kernels of ops-wat.ts on their own wasm memory: each call copies its operands into
 * the memory (one memcpy each), runs the kernel and copies the result out into the caller's array.
 * Regions are laid out from offset 0 for every call (nothing lives in the memory between calls),
 * each 16-byte aligned and followed by slack for the kernels' whole-vector overshoot.
 */
import type { Conv2dGeometry } from '@thermograd/autograd';
import { OPS_WASM } from './wasm-binaries.js';
import { OPS_MAX_PAGES, type WasmBinaryOp } from './ops-wat.js';

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const WebAssembly = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (m: object, i: object) => { exports: Record<string, unknown> };
    };
  }
).WebAssembly;

type Fn = (...args: number[]) => void;

class OpsKernel {
  readonly memory: WasmMemory;
  private readonly fns: Record<string, Fn>;
  f32: Float32Array;
  i32: Int32Array;

  constructor() {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(OPS_WASM), {});
    this.fns = instance.exports as Record<string, Fn>;
    this.memory = instance.exports.memory as WasmMemory;
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
  }

  fn(name: string): Fn {
    return this.fns[name];
  }

  /** Float offsets of regions of the given sizes (16-byte aligned, 8 floats of slack each); grows the memory to hold them. */
  layout(...sizes: number[]): number[] {
    const offsets: number[] = [];
    let at = 0;
    for (const s of sizes) {
      offsets.push(at);
      at += (s + 8 + 3) & ~3;
    }
    const bytes = at * 4;
    if (bytes > this.memory.buffer.byteLength) {
      if (bytes > OPS_MAX_PAGES * 65536)
        throw new RangeError(
          `fast backend: a kernel needs ${Math.ceil(bytes / 2 ** 20)} MiB of wasm memory`,
        );
      this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / 65536));
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
    return offsets;
  }
}

let kernel: OpsKernel | undefined;
const ops = () => (kernel ??= new OpsKernel());

/** Below this many elements a JavaScript loop beats the copies and the call. */
export const WASM_MIN_ELEMENTS = 2048;

export function reluWasm(x: Float32Array, out: Float32Array, n: number): void {
  const k = ops();
  const [xo, oo] = k.layout(n, n);
  k.f32.set(x.subarray(0, n), xo);
  k.fn('relu')(xo * 4, oo * 4, n);
  out.set(k.f32.subarray(oo, oo + n));
}

export function reluBackwardWasm(
  x: Float32Array,
  dy: Float32Array,
  out: Float32Array,
  n: number,
): void {
  const k = ops();
  const [xo, dyo, oo] = k.layout(n, n, n);
  k.f32.set(x.subarray(0, n), xo);
  k.f32.set(dy.subarray(0, n), dyo);
  k.fn('reluBackward')(xo * 4, dyo * 4, oo * 4, n);
  out.set(k.f32.subarray(oo, oo + n));
}

/**
 * Row-by-row binary op: rows(emit) calls emit(ia, ja, ib, jb, o, n) for each output row in
 * ascending order (operand offsets and inner strides 0 or 1, as elementwise.ts's walk produces);
 * a and b are copied in whole, out copied out whole.
 */
export function binaryWasm(
  op: WasmBinaryOp,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  rows: (
    emit: (ia: number, ja: number, ib: number, jb: number, o: number, n: number) => void,
  ) => void,
): void {
  const k = ops();
  const [ao, bo, oo] = k.layout(a.length, b.length, out.length);
  k.f32.set(a, ao);
  k.f32.set(b, bo);
  const vv = k.fn(`${op}_vv`);
  const vs = k.fn(`${op}_vs`);
  const sv = k.fn(`${op}_sv`);
  rows((ia, ja, ib, jb, o, n) => {
    const pa = (ao + ia) * 4;
    const pb = (bo + ib) * 4;
    const po = (oo + o) * 4;
    if (ja === 1 && jb === 1) vv(pa, pb, po, n);
    else if (ja === 1) vs(pa, pb, po, n);
    else sv(pb, pa, po, n); // scalar a: the kernel takes the vector first
  });
  out.set(k.f32.subarray(oo, oo + out.length));
}

const geometryArgs = (g: Conv2dGeometry) => [
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
];

export function im2colWasm(x: Float32Array, g: Conv2dGeometry, out: Float32Array): Float32Array {
  const k = ops();
  const size = g.n * g.c * g.h * g.w;
  const [xo, co] = k.layout(size, out.length);
  k.f32.set(x.subarray(0, size), xo);
  k.fn('im2col')(xo * 4, co * 4, ...geometryArgs(g));
  out.set(k.f32.subarray(co, co + out.length));
  return out;
}

/** out (any contents, [n, c, h, w]) = the columns added back into the image. */
export function col2imWasm(cols: Float32Array, g: Conv2dGeometry, out: Float32Array): Float32Array {
  const k = ops();
  const size = g.n * g.c * g.h * g.w;
  const patches = g.n * g.outH * g.outW * g.c * g.kh * g.kw;
  const [xo, co] = k.layout(size, patches);
  k.f32.fill(0, xo, xo + size);
  k.f32.set(cols.subarray(0, patches), co);
  k.fn('col2im')(xo * 4, co * 4, ...geometryArgs(g));
  out.set(k.f32.subarray(xo, xo + size));
  return out;
}

/** The 2×2, stride-2, unpadded max pool (y and argmax written whole). */
export function maxPool2x2Wasm(
  x: Float32Array,
  g: Conv2dGeometry,
  y: Float32Array,
  argmax: Int32Array,
): void {
  const k = ops();
  const planes = g.n * g.c;
  const size = planes * g.h * g.w;
  const outSize = planes * g.outH * g.outW;
  const [xo, yo, ao] = k.layout(size, outSize, outSize);
  k.f32.set(x.subarray(0, size), xo);
  k.fn('maxPool2x2')(xo * 4, yo * 4, ao * 4, planes, g.h, g.w, g.outH, g.outW);
  y.set(k.f32.subarray(yo, yo + outSize));
  argmax.set(k.i32.subarray(ao, ao + outSize));
}

/** dx (any contents, `size` elements) = zeros plus dy[o] added at argmax[o], o ascending. */
export function scatterAddWasm(
  dy: Float32Array,
  argmax: Int32Array,
  dx: Float32Array,
  size: number,
): void {
  const k = ops();
  const count = argmax.length;
  const [dyo, ao, xo] = k.layout(count, count, size);
  k.f32.set(dy.subarray(0, count), dyo);
  k.i32.set(argmax, ao);
  k.f32.fill(0, xo, xo + size);
  k.fn('scatterAdd')(dyo * 4, ao * 4, xo * 4, count);
  dx.set(k.f32.subarray(xo, xo + size));
}
