/** Reference im2col / col2im and 2-D pooling over NCHW tensors. */
import type { Conv2dGeometry } from '../backend.js';
import { allocArray, arrayFrom, type DType, type TypedArray } from '../../dtype.js';

/**
 * Visits every (output position, window element) pair: `row` indexes [n, oh, ow], `col` indexes
 * [c, i, j], and `src` is the flat input index, or −1 where the window lies in the padding.
 */
function forEachPatchElement(
  g: Conv2dGeometry,
  visit: (row: number, col: number, src: number) => void,
): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW } = g;
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const row = (b * outH + oh) * outW + ow;
        for (let ch = 0; ch < c; ch++) {
          for (let i = 0; i < kh; i++) {
            const y = oh * strideH - padH + i;
            for (let j = 0; j < kw; j++) {
              const x = ow * strideW - padW + j;
              const inside = y >= 0 && y < h && x >= 0 && x < w;
              visit(row, (ch * kh + i) * kw + j, inside ? ((b * c + ch) * h + y) * w + x : -1);
            }
          }
        }
      }
    }
  }
}

export function im2col(x: TypedArray, g: Conv2dGeometry, dtype: DType): TypedArray {
  const width = g.c * g.kh * g.kw;
  const out = allocArray(dtype, g.n * g.outH * g.outW * width);
  forEachPatchElement(g, (row, col, src) => {
    out[row * width + col] = src >= 0 ? x[src] : 0;
  });
  return out;
}

export function col2im(cols: TypedArray, g: Conv2dGeometry, dtype: DType): TypedArray {
  const width = g.c * g.kh * g.kw;
  const out = allocArray(dtype, g.n * g.c * g.h * g.w);
  forEachPatchElement(g, (row, col, dst) => {
    if (dst >= 0) out[dst] += cols[row * width + col];
  });
  return out;
}

/**
 * Pooling sees each (n, c) plane as a one-channel image: the patch rows of that geometry are the
 * pooling outputs [n, c, oh, ow], in the same order.
 */
const planes = (g: Conv2dGeometry): Conv2dGeometry => ({ ...g, n: g.n * g.c, c: 1 });

export function maxPool2d(
  x: TypedArray,
  g: Conv2dGeometry,
  dtype: DType,
): { y: TypedArray; argmax: Int32Array } {
  const size = g.n * g.c * g.outH * g.outW;
  // Padding counts as −∞ (PyTorch); the first maximum wins ties, and the first NaN wins outright.
  const y = allocArray(dtype, size).fill(-Infinity);
  const argmax = new Int32Array(size).fill(-1);
  forEachPatchElement(planes(g), (o, _col, src) => {
    if (src < 0 || y[o] !== y[o]) return;
    if (argmax[o] < 0 || x[src] > y[o] || x[src] !== x[src]) {
      y[o] = x[src];
      argmax[o] = src;
    }
  });
  return { y, argmax };
}

export function maxPool2dBackward(
  dy: TypedArray,
  argmax: Int32Array,
  g: Conv2dGeometry,
  dtype: DType,
): TypedArray {
  const dx = allocArray(dtype, g.n * g.c * g.h * g.w);
  for (let o = 0; o < argmax.length; o++) if (argmax[o] >= 0) dx[argmax[o]] += dy[o];
  return dx;
}

export function avgPool2d(x: TypedArray, g: Conv2dGeometry, dtype: DType): TypedArray {
  // Each window sums in float64 and rounds once, on the division.
  const sums = new Float64Array(g.n * g.c * g.outH * g.outW);
  forEachPatchElement(planes(g), (o, _col, src) => {
    if (src >= 0) sums[o] += x[src];
  });
  const area = g.kh * g.kw;
  return arrayFrom(
    dtype,
    sums.map((s) => s / area),
  );
}

export function avgPool2dBackward(dy: TypedArray, g: Conv2dGeometry, dtype: DType): TypedArray {
  const dx = allocArray(dtype, g.n * g.c * g.h * g.w);
  const area = g.kh * g.kw;
  forEachPatchElement(planes(g), (o, _col, src) => {
    if (src >= 0) dx[src] += dy[o] / area;
  });
  return dx;
}
