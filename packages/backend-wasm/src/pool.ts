/**
 * Max and average pooling as direct loops over each window's in-image part. The reference
 * (reference/conv.ts) collects each window's input indices into an array through a callback; here
 * the window is clipped to the image once per output element and read in place. Semantics are the
 * reference's exactly: padding is −∞ for max (never chosen) and zero for the average (counted in
 * the divisor), windows are read row by row, the first maximum wins ties, a NaN wins and stops the
 * search, and gradients are added in the same order, so results agree bit for bit. Large float32
 * 2×2 pools and max-pool backwards run in wasm instead (wasm-ops.ts), with the same semantics.
 */
import type { Conv2dGeometry, TypedArray } from '@thermograd/autograd';

export function maxPool2dInto(
  x: TypedArray,
  g: Conv2dGeometry,
  y: TypedArray,
  argmax: Int32Array,
): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW } = g;
  if (kh === 2 && kw === 2 && strideH === 2 && strideW === 2 && padH === 0 && padW === 0) {
    maxPool2x2(x, n * c, h, w, outH, outW, y, argmax);
    return;
  }
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const planeBase = plane * h * w;
    for (let oh = 0; oh < outH; oh++) {
      const y0 = oh * strideH - padH;
      const i0 = Math.max(0, -y0);
      const i1 = Math.min(kh, h - y0);
      for (let ow = 0; ow < outW; ow++, o++) {
        const x0 = ow * strideW - padW;
        const j0 = Math.max(0, -x0);
        const j1 = Math.min(kw, w - x0);
        let best = -Infinity;
        // The first in-image element, as the reference (it stays the choice when all are −∞).
        let at = i0 < i1 && j0 < j1 ? planeBase + (y0 + i0) * w + x0 + j0 : -1;
        search: for (let i = i0; i < i1; i++) {
          const rowBase = planeBase + (y0 + i) * w + x0;
          for (let j = j0; j < j1; j++) {
            const v = x[rowBase + j];
            if (v > best || v !== v) {
              best = v;
              at = rowBase + j;
              if (v !== v) break search;
            }
          }
        }
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
}

/**
 * The 2×2, stride-2, unpadded window (the common CNN pool) unrolled: the four candidates in the
 * reference's order (top-left, top-right, bottom-left, bottom-right), each taken when strictly
 * greater or NaN, stopping at the first NaN. The first candidate is taken unconditionally, which is
 * the reference's result too (anything beats −∞ except −∞, which leaves the first index chosen).
 */
function maxPool2x2(
  x: TypedArray,
  planes: number,
  h: number,
  w: number,
  outH: number,
  outW: number,
  y: TypedArray,
  argmax: Int32Array,
): void {
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    for (let oh = 0; oh < outH; oh++) {
      const top = (plane * h + 2 * oh) * w;
      for (let ow = 0; ow < outW; ow++, o++) {
        const p0 = top + 2 * ow;
        let best = x[p0];
        let at = p0;
        if (best === best) {
          const v1 = x[p0 + 1];
          if (v1 > best || v1 !== v1) {
            best = v1;
            at = p0 + 1;
          }
          if (best === best) {
            const v2 = x[p0 + w];
            if (v2 > best || v2 !== v2) {
              best = v2;
              at = p0 + w;
            }
            if (best === best) {
              const v3 = x[p0 + w + 1];
              if (v3 > best || v3 !== v3) {
                best = v3;
                at = p0 + w + 1;
              }
            }
          }
        }
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
}

export function maxPool2dBackwardInto(dy: TypedArray, argmax: Int32Array, dx: TypedArray): void {
  for (let o = 0; o < argmax.length; o++) {
    const at = argmax[o];
    if (at >= 0) dx[at] += dy[o];
  }
}

export function avgPool2dInto(x: TypedArray, g: Conv2dGeometry, y: TypedArray): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW } = g;
  const area = kh * kw;
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const planeBase = plane * h * w;
    for (let oh = 0; oh < outH; oh++) {
      const y0 = oh * strideH - padH;
      const i0 = Math.max(0, -y0);
      const i1 = Math.min(kh, h - y0);
      for (let ow = 0; ow < outW; ow++, o++) {
        const x0 = ow * strideW - padW;
        const j0 = Math.max(0, -x0);
        const j1 = Math.min(kw, w - x0);
        let s = 0;
        for (let i = i0; i < i1; i++) {
          const rowBase = planeBase + (y0 + i) * w + x0;
          for (let j = j0; j < j1; j++) s += x[rowBase + j];
        }
        y[o] = s / area;
      }
    }
  }
}

export function avgPool2dBackwardInto(dy: TypedArray, g: Conv2dGeometry, dx: TypedArray): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW } = g;
  const area = kh * kw;
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const planeBase = plane * h * w;
    for (let oh = 0; oh < outH; oh++) {
      const y0 = oh * strideH - padH;
      const i0 = Math.max(0, -y0);
      const i1 = Math.min(kh, h - y0);
      for (let ow = 0; ow < outW; ow++, o++) {
        const x0 = ow * strideW - padW;
        const j0 = Math.max(0, -x0);
        const j1 = Math.min(kw, w - x0);
        // dy / area in double, added into each input (float32 rounding per add, as the reference).
        const share = dy[o] / area;
        for (let i = i0; i < i1; i++) {
          const rowBase = planeBase + (y0 + i) * w + x0;
          for (let j = j0; j < j1; j++) dx[rowBase + j] += share;
        }
      }
    }
  }
}
