/**
 * im2col / col2im as straight loops: the reference visits each element through a callback, which
 * costs a call per element. The loop nest is the same, with the padding test hoisted per row of the
 * window. Works for both dtypes (the caller allocates).
 */
import type { Conv2dGeometry } from '../backend.js';
import type { TypedArray } from '../../dtype.js';

export function im2colInto(x: TypedArray, g: Conv2dGeometry, out: TypedArray): TypedArray {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW } = g;
  let d = 0;
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let ch = 0; ch < c; ch++) {
          const plane = (b * c + ch) * h;
          for (let i = 0; i < kh; i++) {
            const y = oh * strideH - padH + i;
            if (y < 0 || y >= h) {
              for (let j = 0; j < kw; j++) out[d++] = 0;
              continue;
            }
            const rowBase = (plane + y) * w;
            for (let j = 0; j < kw; j++) {
              const xx = ow * strideW - padW + j;
              out[d++] = xx >= 0 && xx < w ? x[rowBase + xx] : 0;
            }
          }
        }
      }
    }
  }
  return out;
}

export function col2imInto(cols: TypedArray, g: Conv2dGeometry, out: TypedArray): TypedArray {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW } = g;
  let s = 0;
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let ch = 0; ch < c; ch++) {
          const plane = (b * c + ch) * h;
          for (let i = 0; i < kh; i++) {
            const y = oh * strideH - padH + i;
            if (y < 0 || y >= h) {
              s += kw;
              continue;
            }
            const rowBase = (plane + y) * w;
            for (let j = 0; j < kw; j++, s++) {
              const xx = ow * strideW - padW + j;
              if (xx >= 0 && xx < w) out[rowBase + xx] += cols[s];
            }
          }
        }
      }
    }
  }
  return out;
}
