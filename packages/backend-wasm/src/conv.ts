/**
 * im2col / col2im as straight loops: the reference visits each element through a callback, which
 * costs a call per element. Here each window row is clipped to the image once per output position
 * (the column range [j0, j1) is the same for every channel and kernel row), so the inner loop is a
 * plain copy (im2col) or add (col2im) with no bounds test. im2col writes every element of `out`
 * (the patch of a window that reaches into the padding is zeroed first), so it may be given a dirty
 * pooled buffer: clearing the whole of it first cost a pass over cols (10 MB for the bench CNN's
 * second convolution) that only the padded edge windows need. col2im accumulates into a zero-filled
 * `out`. Works for both dtypes (the caller allocates).
 *
 * A window row that lies wholly inside the image (every row but the padded edges) is copied with
 * its kw elements written out for kw = 3 and 5 (the common kernels): a 5-element loop costs more in
 * loop overhead than in copying, and unrolling halved both kernels at the bench CNN's shapes
 * (conv5×5 on 1×28×28 and 16×14×14, batch 64). The elements and, in col2im, the order
 * of the additions into each input element are the same as the plain loop's, so results do not
 * change.
 *
 * Large float32 calls do not come here: index.ts sends them to the wasm versions of these loops
 * (wasm-ops.ts, ops-wat.ts: a full 5×5 window as five rows of one vector and one float each),
 * 2.5-3.5× faster at the bench CNN's shapes, copies in and out included. (A fully unrolled 5×5
 * window here gained a quarter before that; with only float64 and small calls left, it went.)
 */
import type { Conv2dGeometry, TypedArray } from '@thermograd/autograd';

/** out ([n·outH·outW, c·kh·kw], any contents) receives the patches of x, zeros where they cover padding. */
export function im2colInto(x: TypedArray, g: Conv2dGeometry, out: TypedArray): TypedArray {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW } = g;
  const patch = c * kh * kw;
  const plane = h * w;
  let d = 0;
  for (let b = 0; b < n; b++) {
    const image = b * c * plane;
    for (let oh = 0; oh < outH; oh++) {
      const y0 = oh * strideH - padH;
      const i0 = Math.max(0, -y0);
      const i1 = Math.min(kh, h - y0);
      for (let ow = 0; ow < outW; ow++, d += patch) {
        const x0 = ow * strideW - padW;
        const j0 = Math.max(0, -x0);
        const j1 = Math.min(kw, w - x0);
        const full = j0 === 0 && j1 === kw;
        if (!full || i0 !== 0 || i1 !== kh) out.fill(0, d, d + patch);
        for (let ch = 0; ch < c; ch++) {
          const src = image + ch * plane + y0 * w + x0;
          const dst = d + ch * kh * kw;
          if (full && kw === 5) {
            for (let i = i0, s = src + i0 * w, t = dst + i0 * 5; i < i1; i++, s += w, t += 5) {
              out[t] = x[s];
              out[t + 1] = x[s + 1];
              out[t + 2] = x[s + 2];
              out[t + 3] = x[s + 3];
              out[t + 4] = x[s + 4];
            }
          } else if (full && kw === 3) {
            for (let i = i0, s = src + i0 * w, t = dst + i0 * 3; i < i1; i++, s += w, t += 3) {
              out[t] = x[s];
              out[t + 1] = x[s + 1];
              out[t + 2] = x[s + 2];
            }
          } else {
            for (let i = i0; i < i1; i++) {
              const s = src + i * w;
              const t = dst + i * kw;
              for (let j = j0; j < j1; j++) out[t + j] = x[s + j];
            }
          }
        }
      }
    }
  }
  return out;
}

/** out (zero-filled, [n, c, h, w]) accumulates the columns back into the image. */
export function col2imInto(cols: TypedArray, g: Conv2dGeometry, out: TypedArray): TypedArray {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW } = g;
  const patch = c * kh * kw;
  const plane = h * w;
  let d = 0;
  for (let b = 0; b < n; b++) {
    const image = b * c * plane;
    for (let oh = 0; oh < outH; oh++) {
      const y0 = oh * strideH - padH;
      const i0 = Math.max(0, -y0);
      const i1 = Math.min(kh, h - y0);
      for (let ow = 0; ow < outW; ow++, d += patch) {
        const x0 = ow * strideW - padW;
        const j0 = Math.max(0, -x0);
        const j1 = Math.min(kw, w - x0);
        const full = j0 === 0 && j1 === kw;
        for (let ch = 0; ch < c; ch++) {
          const dst = image + ch * plane + y0 * w + x0;
          const src = d + ch * kh * kw;
          if (full && kw === 5) {
            for (let i = i0, t = dst + i0 * w, s = src + i0 * 5; i < i1; i++, t += w, s += 5) {
              out[t] += cols[s];
              out[t + 1] += cols[s + 1];
              out[t + 2] += cols[s + 2];
              out[t + 3] += cols[s + 3];
              out[t + 4] += cols[s + 4];
            }
          } else if (full && kw === 3) {
            for (let i = i0, t = dst + i0 * w, s = src + i0 * 3; i < i1; i++, t += w, s += 3) {
              out[t] += cols[s];
              out[t + 1] += cols[s + 1];
              out[t + 2] += cols[s + 2];
            }
          } else {
            for (let i = i0; i < i1; i++) {
              const t = dst + i * w;
              const s = src + i * kw;
              for (let j = j0; j < j1; j++) out[t + j] += cols[s + j];
            }
          }
        }
      }
    }
  }
  return out;
}
