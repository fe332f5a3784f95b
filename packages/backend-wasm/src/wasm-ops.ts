/**
 * The float32 kernels of ops-wat.ts, run where the tensors live: the module imports the backend's
 * shared memory (wasm-memory.ts), so an operand or result that is a view onto it (every array the
 * buffer pool hands out) is used in place. Only an array that lives outside it (a user's array, a
 * reference kernel's output, storage made while resident storage is off) goes through scratch: an
 * operand copied in (one memcpy), a result copied out.
 */
import type { Conv2dGeometry } from '@thermograd/autograd';
import { OPS_WASM } from './wasm-binaries.js';
import type { WasmBinaryOp } from './ops-wat.js';
import {
  SLACK_BYTES,
  memoryF32,
  memoryI32,
  residentOffset,
  wasmMemory,
  withScratch,
} from './wasm-memory.js';

const WebAssembly = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (m: object, i: object) => { exports: Record<string, unknown> };
    };
  }
).WebAssembly;

type Fn = (...args: number[]) => void;

let fns: Record<string, Fn> | undefined;
/** The kernel named `name` (the module is instantiated on first use). */
function fn(name: string): Fn {
  fns ??= new WebAssembly.Instance(new WebAssembly.Module(OPS_WASM), {
    env: { memory: wasmMemory() },
  }).exports as Record<string, Fn>;
  return fns[name];
}

/** One array a kernel reads ('in'), writes ('out') or adds into from zeros ('zeroed'). */
interface Region {
  array: Float32Array | Int32Array;
  length: number;
  role: 'in' | 'out' | 'zeroed';
}

/**
 * Runs `kernel` with the byte offset of each region in wasm memory: a resident array's own, or a
 * scratch block that an 'in' array is copied into and an 'out'/'zeroed' one is copied out of.
 */
function inMemory(regions: Region[], kernel: (offsets: number[]) => void): void {
  const offsets = regions.map((r) => residentOffset(r.array));
  let scratch = 0;
  const slots = regions.map((r, i) => {
    if (offsets[i] >= 0) return -1;
    const at = scratch;
    scratch += Math.ceil((r.length * 4 + SLACK_BYTES) / 16) * 16;
    return at;
  });
  const go = (base: number) => {
    regions.forEach((r, i) => {
      if (slots[i] >= 0) offsets[i] = base + slots[i];
      const at = offsets[i] / 4;
      if (r.role === 'zeroed') memoryF32().fill(0, at, at + r.length);
      else if (r.role === 'in' && slots[i] >= 0)
        (r.array instanceof Int32Array ? memoryI32() : memoryF32()).set(
          r.array.subarray(0, r.length),
          at,
        );
    });
    kernel(offsets);
    regions.forEach((r, i) => {
      if (r.role === 'in' || slots[i] < 0) return;
      const at = offsets[i] / 4;
      const whole = r.array instanceof Int32Array ? memoryI32() : memoryF32();
      r.array.set(whole.subarray(at, at + r.length));
    });
  };
  if (scratch === 0) go(0);
  else withScratch(scratch, go);
}

/** Below this many elements a JavaScript loop beats the copies and the call. */
export const WASM_MIN_ELEMENTS = 2048;

export function reluWasm(x: Float32Array, out: Float32Array, n: number): void {
  inMemory(
    [
      { array: x, length: n, role: 'in' },
      { array: out, length: n, role: 'out' },
    ],
    ([xo, oo]) => fn('relu')(xo, oo, n),
  );
}

export function reluBackwardWasm(
  x: Float32Array,
  dy: Float32Array,
  out: Float32Array,
  n: number,
): void {
  inMemory(
    [
      { array: x, length: n, role: 'in' },
      { array: dy, length: n, role: 'in' },
      { array: out, length: n, role: 'out' },
    ],
    ([xo, dyo, oo]) => fn('reluBackward')(xo, dyo, oo, n),
  );
}

/**
 * Row-by-row binary op: rows(emit) calls emit(ia, ja, ib, jb, o, n) for each output row in
 * ascending order (operand offsets and inner strides 0 or 1, as elementwise.ts's walk produces).
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
  const vv = fn(`${op}_vv`);
  const vs = fn(`${op}_vs`);
  const sv = fn(`${op}_sv`);
  inMemory(
    [
      { array: a, length: a.length, role: 'in' },
      { array: b, length: b.length, role: 'in' },
      { array: out, length: out.length, role: 'out' },
    ],
    ([ao, bo, oo]) =>
      rows((ia, ja, ib, jb, o, n) => {
        const pa = ao + ia * 4;
        const pb = bo + ib * 4;
        const po = oo + o * 4;
        if (ja === 1 && jb === 1) vv(pa, pb, po, n);
        else if (ja === 1) vs(pa, pb, po, n);
        else sv(pb, pa, po, n); // scalar a: the kernel takes the vector first
      }),
  );
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
  inMemory(
    [
      { array: x, length: g.n * g.c * g.h * g.w, role: 'in' },
      { array: out, length: out.length, role: 'out' },
    ],
    ([xo, co]) => fn('im2col')(xo, co, ...geometryArgs(g)),
  );
  return out;
}

/** out (any contents, [n, c, h, w]) = the columns added back into the image. */
export function col2imWasm(cols: Float32Array, g: Conv2dGeometry, out: Float32Array): Float32Array {
  inMemory(
    [
      { array: out, length: g.n * g.c * g.h * g.w, role: 'zeroed' },
      { array: cols, length: g.n * g.outH * g.outW * g.c * g.kh * g.kw, role: 'in' },
    ],
    ([xo, co]) => fn('col2im')(xo, co, ...geometryArgs(g)),
  );
  return out;
}

/** The 2×2, stride-2, unpadded max pool (y and argmax written whole). */
export function maxPool2x2Wasm(
  x: Float32Array,
  g: Conv2dGeometry,
  y: Float32Array,
  argmax: Int32Array,
): void {
  const planes = g.n * g.c;
  const outSize = planes * g.outH * g.outW;
  inMemory(
    [
      { array: x, length: planes * g.h * g.w, role: 'in' },
      { array: y, length: outSize, role: 'out' },
      { array: argmax, length: outSize, role: 'out' },
    ],
    ([xo, yo, ao]) => fn('maxPool2x2')(xo, yo, ao, planes, g.h, g.w, g.outH, g.outW),
  );
}

/** dx (any contents, `size` elements) = zeros plus dy[o] added at argmax[o], o ascending. */
export function scatterAddWasm(
  dy: Float32Array,
  argmax: Int32Array,
  dx: Float32Array,
  size: number,
): void {
  const count = argmax.length;
  inMemory(
    [
      { array: dy, length: count, role: 'in' },
      { array: argmax, length: count, role: 'in' },
      { array: dx, length: size, role: 'zeroed' },
    ],
    ([dyo, ao, xo]) => fn('scatterAdd')(dyo, ao, xo, count),
  );
}

/** 0 when all n floats of x are finite, NaN otherwise (ops-wat.ts). */
export function finiteProbeWasm(x: Float32Array, n: number): number {
  let probe = 0;
  inMemory([{ array: x, length: n, role: 'in' }], ([xo]) => {
    probe = (fn('finiteProbe') as unknown as (x: number, n: number) => number)(xo, n);
  });
  return probe;
}
