/** Reference im2col / col2im and 2-D pooling over NCHW tensors. */
import type { Conv2dGeometry } from '../backend.js';
import { allocArray, type DType, type TypedArray } from '../../dtype.js';

/**
 * Visits every (output position, window element) pair: `row` indexes [n, oh, ow], `col` indexes
 * [c, i, j], and `src` is the flat input index, or −1 where the window lies in the padding.
 */
function forEachPatchElement(
  g: Conv2dGeometry,
  visit: (row: number, col: number, src: number) => void,
): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW } = g;
  const cols = c * kh * kw;
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const row = (b * outH + oh) * outW + ow;
        for (let ch = 0; ch < c; ch++) {
          for (let i = 0; i < kh; i++) {
            const y = oh * strideH - padH + i;
            for (let j = 0; j < kw; j++) {
              const x = ow * strideW - padW + j;
              const col = (ch * kh + i) * kw + j;
              const inside = y >= 0 && y < h && x >= 0 && x < w;
              visit(row * cols + col, col, inside ? ((b * c + ch) * h + y) * w + x : -1);
            }
          }
        }
      }
    }
  }
}

export function im2col(x: TypedArray, g: Conv2dGeometry, dtype: DType): TypedArray {
  const out = allocArray(dtype, g.n * g.outH * g.outW * g.c * g.kh * g.kw);
  forEachPatchElement(g, (dst, _col, src) => {
    out[dst] = src >= 0 ? x[src] : 0;
  });
  return out;
}

export function col2im(cols: TypedArray, g: Conv2dGeometry, dtype: DType): TypedArray {
  const out = allocArray(dtype, g.n * g.c * g.h * g.w);
  forEachPatchElement(g, (at, _col, dst) => {
    if (dst >= 0) out[dst] += cols[at];
  });
  return out;
}

/** Visits each pooling window: `o` is the flat output index [n, c, oh, ow]; `inputs` its in-image indices. */
function forEachWindow(g: Conv2dGeometry, visit: (o: number, inputs: number[]) => void): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW } = g;
  const inputs: number[] = [];
  for (let plane = 0; plane < n * c; plane++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        inputs.length = 0;
        for (let i = 0; i < kh; i++) {
          const y = oh * strideH - padH + i;
          if (y < 0 || y >= h) continue;
          for (let j = 0; j < kw; j++) {
            const x = ow * strideW - padW + j;
            if (x >= 0 && x < w) inputs.push((plane * h + y) * w + x);
          }
        }
        visit((plane * outH + oh) * outW + ow, inputs);
      }
    }
  }
}

export function maxPool2d(
  x: TypedArray,
  g: Conv2dGeometry,
  dtype: DType,
): { y: TypedArray; argmax: Int32Array } {
  const size = g.n * g.c * g.outH * g.outW;
  const y = allocArray(dtype, size);
  const argmax = new Int32Array(size);
  forEachWindow(g, (o, inputs) => {
    // Padding counts as −∞ (PyTorch); the first maximum wins ties.
    let best = -Infinity;
    let at = inputs[0] ?? -1;
    for (const idx of inputs) {
      if (x[idx] > best || x[idx] !== x[idx]) {
        best = x[idx];
        at = idx;
        if (best !== best) break;
      }
    }
    y[o] = best;
    argmax[o] = at;
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
  const y = allocArray(dtype, g.n * g.c * g.outH * g.outW);
  const area = g.kh * g.kw;
  forEachWindow(g, (o, inputs) => {
    let s = 0;
    for (const idx of inputs) s += x[idx];
    y[o] = s / area;
  });
  return y;
}

export function avgPool2dBackward(dy: TypedArray, g: Conv2dGeometry, dtype: DType): TypedArray {
  const dx = allocArray(dtype, g.n * g.c * g.h * g.w);
  const area = g.kh * g.kw;
  forEachWindow(g, (o, inputs) => {
    for (const idx of inputs) dx[idx] += dy[o] / area;
  });
  return dx;
}
