/**
 * The float32 kernels of ops-wat.ts, run where the tensors live: the module imports the backend's
 * shared memory (wasm-memory.ts), so an operand or result that is a view onto it (every array the
 * buffer pool hands out) is used in place. Only an array that lives outside it (a user's array, a
 * reference kernel's output, storage made while resident storage is off) goes through scratch: an
 * operand copied in (one memcpy), a result copied out.
 */
import type { Conv2dGeometry } from '@thermograd/autograd';
import type { WasmBinaryOp } from './ops-wat.js';
import {
  backendThreads,
  countArg,
  fixedArg,
  offsetArg,
  type SplitArg,
  type SplitOp,
} from './threads.js';
import { SLACK_BYTES, memoryF32, memoryI32, residentOffset, withScratch } from './wasm-memory.js';

type Fn = (...args: number[]) => void;

/** The kernel named `name`, on the calling thread. */
const fn = (name: string): Fn => backendThreads().ops[name];

/** One array a kernel reads ('in') or writes ('out'). */
interface Region {
  array: Float32Array | Int32Array;
  length: number;
  role: 'in' | 'out';
}

/**
 * Runs `kernel` with the byte offset of each region in wasm memory: a resident array's own, or a
 * scratch block that an 'in' array is copied into and an 'out' one is copied out of.
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
      if (r.role === 'in' && slots[i] >= 0)
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

/** A kernel's two regions: `x` read, `out` written. */
const inOut = (
  x: Float32Array,
  xLength: number,
  out: Float32Array,
  outLength: number,
): Region[] => [
  { array: x, length: xLength, role: 'in' },
  { array: out, length: outLength, role: 'out' },
];

/** `op` over `units` units, shared out over the threads (threads.ts), on the regions' offsets. */
function splitOp(
  op: SplitOp,
  regions: Region[],
  units: number,
  args: (offsets: number[]) => SplitArg[],
  bytes: number,
): void {
  inMemory(regions, (offsets) => backendThreads().split(op, units, args(offsets), bytes));
}

/** Below this many elements a JavaScript loop beats the copies and the call. */
export const WASM_MIN_ELEMENTS = 2048;

/**
 * An element-wise kernel's arguments split by vectors of four floats: every part but the last is
 * whole vectors, so the loop's overshoot past a part's end (up to three floats) happens only at
 * the end of the whole, as on one thread (the last part's count rounds up to its last vector,
 * which the loop computes whole either way).
 */
const units = (n: number) => Math.ceil(n / 4);
const vectorArgs = (offsets: number[]) => [...offsets.map((at) => offsetArg(at, 16)), countArg(4)];

export function reluWasm(x: Float32Array, out: Float32Array, n: number): void {
  splitOp('relu', inOut(x, n, out, n), units(n), vectorArgs, 8 * n);
}

export function reluBackwardWasm(
  x: Float32Array,
  dy: Float32Array,
  out: Float32Array,
  n: number,
): void {
  const regions: Region[] = [{ array: dy, length: n, role: 'in' }, ...inOut(x, n, out, n)];
  // The kernel takes (x, dy, out).
  splitOp('reluBackward', regions, units(n), ([dyo, xo, oo]) => vectorArgs([xo, dyo, oo]), 12 * n);
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

/**
 * The arguments of ops-wat.ts's im2col/col2im, split by image: image b's pixels at x + b·c·h·w
 * floats, its patches at cols + b·outH·outW·c·kh·kw.
 */
const convArgs = (x: number, cols: number, g: Conv2dGeometry) => [
  offsetArg(x, g.c * g.h * g.w * 4),
  offsetArg(cols, g.outH * g.outW * g.c * g.kh * g.kw * 4),
  countArg(),
  ...[g.c, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW].map(
    fixedArg,
  ),
];

/** Bytes an im2col or col2im moves: the image read or written, the columns written or read. */
const convBytes = (g: Conv2dGeometry) =>
  4 * g.n * g.c * (g.h * g.w + g.outH * g.outW * g.kh * g.kw);

export function im2colWasm(x: Float32Array, g: Conv2dGeometry, out: Float32Array): Float32Array {
  const regions = inOut(x, g.n * g.c * g.h * g.w, out, out.length);
  splitOp('im2col', regions, g.n, ([xo, co]) => convArgs(xo, co, g), convBytes(g));
  return out;
}

/** out (any contents, [n, c, h, w]) = the columns added back into the image. */
export function col2imWasm(cols: Float32Array, g: Conv2dGeometry, out: Float32Array): Float32Array {
  const regions = inOut(
    cols,
    g.n * g.outH * g.outW * g.c * g.kh * g.kw,
    out,
    g.n * g.c * g.h * g.w,
  );
  splitOp('col2im', regions, g.n, ([co, xo]) => convArgs(xo, co, g), convBytes(g));
  return out;
}

/** The 2×2, stride-2, unpadded max pool (y and argmax written whole), split by plane. */
export function maxPool2x2Wasm(
  x: Float32Array,
  g: Conv2dGeometry,
  y: Float32Array,
  argmax: Int32Array,
): void {
  const planes = g.n * g.c;
  const [inPlane, outPlane] = [g.h * g.w, g.outH * g.outW];
  const regions: Region[] = [
    ...inOut(x, planes * inPlane, y, planes * outPlane),
    { array: argmax, length: planes * outPlane, role: 'out' },
  ];
  const args = ([xo, yo, ao]: number[]) => [
    offsetArg(xo, inPlane * 4),
    offsetArg(yo, outPlane * 4),
    offsetArg(ao, outPlane * 4),
    countArg(),
    ...[g.h, g.w, g.outH, g.outW].map(fixedArg),
    offsetArg(0, inPlane), // argmax indexes the whole of x
  ];
  splitOp('maxPool2x2', regions, planes, args, 4 * planes * (inPlane + 2 * outPlane));
}

/**
 * dx (any contents, `planes` planes of `size / planes` elements) = zeros plus dy[o] added at
 * argmax[o], o ascending, split by plane: a max pool's outputs of a plane point into that plane.
 */
export function scatterAddWasm(
  dy: Float32Array,
  argmax: Int32Array,
  dx: Float32Array,
  size: number,
  planes: number,
): void {
  const count = argmax.length;
  const [inPlane, outPlane] = [size / planes, count / planes];
  const regions: Region[] = [
    { array: argmax, length: count, role: 'in' },
    ...inOut(dy, count, dx, size),
  ];
  const args = ([ao, dyo, xo]: number[]) => [
    offsetArg(dyo, outPlane * 4),
    offsetArg(ao, outPlane * 4),
    fixedArg(xo), // argmax indexes the whole of dx
    countArg(outPlane),
    offsetArg(xo, inPlane * 4),
    countArg(inPlane * 4),
  ];
  splitOp('scatterAdd', regions, planes, args, 4 * (2 * count + size));
}

/**
 * out[c] = Σ x[b][c][j] over b, then j (x [batch, channels, p]), in float64 rounded once: the
 * reduction reduce.ts computes for a [B, C, P] sum over axes 0 and 2, same order, same bits.
 */
export function channelSumsWasm(
  x: Float32Array,
  out: Float32Array,
  batch: number,
  channels: number,
  p: number,
): Float32Array {
  const size = batch * channels * p;
  const args = ([xo, oo]: number[]) => [
    offsetArg(xo, p * 4),
    offsetArg(oo, 4),
    countArg(),
    ...[batch, channels * p * 4, p].map(fixedArg),
  ];
  splitOp('channelSums', inOut(x, size, out, channels), channels, args, 4 * size);
  return out;
}

/** out [o, b, p] = x [b, o, p] with its first two axes swapped (runs of p floats), split by row of o. */
export function swapOuterAxesWasm(
  x: Float32Array,
  out: Float32Array,
  b: number,
  o: number,
  p: number,
): Float32Array {
  const size = b * o * p;
  const args = ([xo, oo]: number[]) => [
    offsetArg(xo, p * 4),
    offsetArg(oo, b * p * 4),
    countArg(),
    ...[b, o, p].map(fixedArg),
  ];
  splitOp('swapOuterAxes', inOut(x, size, out, size), o, args, 8 * size);
  return out;
}

/** 0 when all n floats of x are finite, NaN otherwise (ops-wat.ts). */
export function finiteProbeWasm(x: Float32Array, n: number): number {
  let probe = 0;
  inMemory([{ array: x, length: n, role: 'in' }], ([xo]) => {
    probe = (fn('finiteProbe') as unknown as (x: number, n: number) => number)(xo, n);
  });
  return probe;
}
