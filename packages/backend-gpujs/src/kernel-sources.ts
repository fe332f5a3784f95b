/**
 * The gpu.js kernel functions, one per primitive. gpu.js compiles each function's *source text*
 * (to JavaScript, WebAssembly, WGSL or GLSL), so these bodies use only what its translators accept:
 * numbers, flat Float32Array arguments, `Math.*`, `if`, ternaries, counted `for` loops and the
 * helpers below (registered with gpu.addFunction). No closures, no loop variable name used twice in a kernel (the cpu
 * translator hoists them), no `isNaN` (the webasm translator rejects it), no `Infinity` literal.
 * No `!==` at all (nor `!=`, by the same rule): on WebGPU it compiled to an ordered not-equal, false when either side is NaN
 * (measured with Dawn on Mesa's lavapipe), while `===` is false for NaN on every path. So NaN is
 * tested as `!(v === v)` and "differs" is written as the `===` test's other branch.
 * No ternary of an integer literal and a float as a helper's argument (`divFloor(x < 0 ? 0 : x, s)`):
 * the GLSL translator types the literal int there and the shader fails to compile; `Math.max(x, 0)`.
 * And the text must reach gpu.js as written: a minifier that renames or merges the locals breaks
 * the GLSL translation (see the playground's vite.config.ts).
 *
 * Every kernel has a 1-D output over the flat row-major result (`this.thread.x` is the element
 * index) and reads its inputs as flat arrays with explicit strides, so one compiled kernel serves
 * every shape (dynamicOutput / dynamicArguments) and a transposed operand is just other strides.
 *
 * Index arithmetic is in floating point on the webasm and webgpu translators (f32), so a flat index
 * is split with `divFloor`, which corrects the one-off error of a rounded division; indices stay
 * exact below 2^24 elements per tensor (checked by the backend).
 *
 * Loop bounds are kernel arguments. gpu.js stops every loop at `loopMaxIterations` (default 1000)
 * without an error, so the backend compiles each kernel with that limit set from the real bounds
 * (see kernel-cache.ts); the tests run sizes above 1000.
 */

/** What gpu.js binds to `this` inside a kernel (only the part these kernels use). */
export interface KernelThis {
  thread: { x: number };
}

/** ⌊a / b⌋ for non-negative integers a, b held as floats, exact while a < 2^24. */
export function divFloor(a: number, b: number): number {
  let q = Math.floor(a / b);
  const r = a - q * b;
  if (r < 0) q = q - 1;
  if (r >= b) q = q + 1;
  return q;
}

/** erfc to a relative error below 1.2e-7 everywhere (Numerical Recipes' erfcc, Chebyshev fit). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t *
                          (-1.13520398 +
                            t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const ans = t * Math.exp(poly);
  if (x >= 0) return ans;
  return 2 - ans;
}

/** x^e as JavaScript's Math.pow for negative bases: WGSL and wasm pow are exp(e·log x), NaN there. */
export function signedPow(x: number, e: number): number {
  if (x >= 0) return Math.pow(x, e);
  if (!(x < 0)) return x; // NaN
  const magnitude = Math.pow(-x, e);
  // NaN from a runtime value: Tint (WGSL) rejects the constant expression sqrt(-1) at compile time.
  if (!(Math.floor(e) === e)) return Math.sqrt(x);
  const half = e * 0.5;
  if (Math.floor(half) === half) return magnitude;
  return -magnitude;
}

/** The helper functions every kernel may call; registered with gpu.addFunction. */
export const HELPERS = [divFloor, erfc, signedPow];

/** Codes for UnaryOp (the kernel branches on a number). Must match backend.ts's UNARY_CODES. */
export function unaryKernel(
  this: KernelThis,
  x: Float32Array,
  op: number,
  p: number,
  p2: number,
): number {
  const v = x[this.thread.x];
  if (op === 0) return -v;
  if (op === 1) return Math.exp(v);
  if (op === 2) return Math.log(v);
  if (op === 3) return Math.sqrt(v);
  if (op === 4) return Math.abs(v);
  if (op === 5) {
    // Near 0 a Taylor series (the exp form below cancels there); elsewhere exp of a non-positive
    // argument, so it never overflows (WGSL's tanh returns NaN for large |x| on some drivers).
    if (Math.abs(v) < 0.5) {
      const s = v * v;
      return (
        v *
        (1 +
          s *
            (-1 / 3 +
              s *
                (2 / 15 +
                  s *
                    (-17 / 315 + s * (62 / 2835 + s * (-1382 / 155925 + s * (21844 / 6081075)))))))
      );
    }
    const e = Math.exp(-2 * Math.abs(v));
    const t = (1 - e) / (1 + e);
    if (v < 0) return -t;
    return t;
  }
  if (op === 6) {
    if (v >= 0) return 1 / (1 + Math.exp(-v));
    const e = Math.exp(v);
    return e / (1 + e);
  }
  if (op === 7) return v <= 0 ? 0 : v; // NaN is not ≤ 0: it propagates
  if (op === 8) return v > 0 ? v : p * v;
  if (op === 9) return 0.5 * v * erfc(-v * 0.7071067811865476);
  if (op === 10) return signedPow(v, p);
  if (op === 11) return v < p ? p : v > p2 ? p2 : v;
  if (op === 12) return v * v;
  if (op === 13) return 1 / v;
  if (op === 14) return v > 0 ? 1 : v < 0 ? -1 : 0;
  return v;
}

/** dx = dy · f'(x), given y = f(x); same codes as unaryKernel. */
export function unaryBackwardKernel(
  this: KernelThis,
  x: Float32Array,
  y: Float32Array,
  dy: Float32Array,
  op: number,
  p: number,
  p2: number,
): number {
  const i = this.thread.x;
  const v = x[i];
  const w = y[i];
  const g = dy[i];
  if (op === 0) return -g;
  if (op === 1) return g * w;
  if (op === 2) return g / v;
  if (op === 3) return (g * 0.5) / w;
  if (op === 4) return v > 0 ? g : v < 0 ? -g : 0;
  if (op === 5) return g * (1 - w * w);
  if (op === 6) return g * w * (1 - w);
  if (op === 7) {
    if (!(v === v)) return v;
    return v > 0 ? g : 0;
  }
  if (op === 8) return v > 0 ? g : g * p;
  if (op === 9)
    return (
      g * (0.5 * erfc(-v * 0.7071067811865476) + v * 0.3989422804014327 * Math.exp(-0.5 * v * v))
    );
  if (op === 10) {
    if (p === 0) return 0;
    return g * p * signedPow(v, p - 1);
  }
  if (op === 11) return v >= p && v <= p2 ? g : 0;
  if (op === 12) return g * 2 * v;
  if (op === 13) return -g * w * w;
  return 0;
}

/**
 * out = a ∘ b with broadcasting: `dims` is the output shape and `sa`, `sb` the inputs' strides
 * broadcast to it (0 along broadcast axes), all padded to 8 entries; `rank` of them are used.
 */
export function binaryKernel(
  this: KernelThis,
  a: Float32Array,
  b: Float32Array,
  op: number,
  rank: number,
  dims: Float32Array,
  sa: Float32Array,
  sb: Float32Array,
): number {
  let rest = this.thread.x;
  let oa = 0;
  let ob = 0;
  for (let t = 0; t < rank; t++) {
    const d = rank - 1 - t;
    const q = divFloor(rest, dims[d]);
    const c = rest - q * dims[d];
    rest = q;
    oa = oa + c * sa[d];
    ob = ob + c * sb[d];
  }
  const u = a[oa];
  const v = b[ob];
  if (op === 0) return u + v;
  if (op === 1) return u - v;
  if (op === 2) return u * v;
  if (op === 3) return u / v;
  if (op === 4) return signedPow(u, v);
  // NaN propagates through maximum/minimum, as in PyTorch.
  if (op === 5) return u === u && v === v ? (u > v ? u : v) : u + v;
  if (op === 6) return u === u && v === v ? (u < v ? u : v) : u + v;
  if (op === 7) return u === v ? 1 : 0;
  if (op === 8) return u === v ? 0 : 1;
  if (op === 9) return u > v ? 1 : 0;
  if (op === 10) return u >= v ? 1 : 0;
  if (op === 11) return u < v ? 1 : 0;
  if (op === 12) return u <= v ? 1 : 0;
  return 0;
}

/** out = cond != 0 ? a : b, all three broadcast to `dims` (strides as in binaryKernel). */
export function whereKernel(
  this: KernelThis,
  cond: Float32Array,
  a: Float32Array,
  b: Float32Array,
  rank: number,
  dims: Float32Array,
  sc: Float32Array,
  sa: Float32Array,
  sb: Float32Array,
): number {
  let rest = this.thread.x;
  let oc = 0;
  let oa = 0;
  let ob = 0;
  for (let t = 0; t < rank; t++) {
    const d = rank - 1 - t;
    const q = divFloor(rest, dims[d]);
    const c = rest - q * dims[d];
    rest = q;
    oc = oc + c * sc[d];
    oa = oa + c * sa[d];
    ob = ob + c * sb[d];
  }
  return cond[oc] === 0 ? b[ob] : a[oa];
}

/**
 * A strided read: out[i] = x[base + Σ_d c_d · strides[d]], where c is i's multi-index in `dims`.
 * permute (permuted strides), slice (base at the box corner) and single-input broadcasts use it.
 */
export function stridedCopyKernel(
  this: KernelThis,
  x: Float32Array,
  base: number,
  rank: number,
  dims: Float32Array,
  strides: Float32Array,
): number {
  let rest = this.thread.x;
  let o = base;
  for (let t = 0; t < rank; t++) {
    const d = rank - 1 - t;
    const q = divFloor(rest, dims[d]);
    const c = rest - q * dims[d];
    rest = q;
    o = o + c * strides[d];
  }
  return x[o];
}

/** The inverse of slice: over the full shape `dims`, x's value inside the box [begin, begin+size), else 0. */
export function unsliceKernel(
  this: KernelThis,
  x: Float32Array,
  rank: number,
  dims: Float32Array,
  begin: Float32Array,
  size: Float32Array,
  xStrides: Float32Array,
): number {
  let rest = this.thread.x;
  let o = 0;
  let inside = 1;
  for (let t = 0; t < rank; t++) {
    const d = rank - 1 - t;
    const q = divFloor(rest, dims[d]);
    const c = rest - q * dims[d];
    rest = q;
    const local = c - begin[d];
    if (local < 0 || local >= size[d]) inside = 0;
    o = o + local * xStrides[d];
  }
  if (inside === 0) return 0;
  return x[o];
}

/**
 * Reduction: the output element's multi-index over `outDims` (reduced axes have size 1) gives a
 * base offset through `inStrides`; the loop walks the `count` reduced elements, split over
 * `redDims` with strides `redStrides`. op: 0 sum, 1 max, 2 min; a NaN wins max and min.
 *
 * A sum of float32 values added one at a time into a float32 total drifts with the count (a
 * million 0.1s sum to about 100958). So the walk is cut into `blocks` blocks of `block` elements
 * (about √count each), every block is summed on its own and the block sums are added up, and both
 * levels carry Neumaier's compensation term (the rounding error of each add, added back at the
 * end). Either alone keeps a sum of millions within float32 rounding of the float64 sum; both
 * together keep it there even if a shader compiler simplifies the compensation away.
 */
export function reduceKernel(
  this: KernelThis,
  x: Float32Array,
  op: number,
  rank: number,
  outDims: Float32Array,
  inStrides: Float32Array,
  redRank: number,
  redDims: Float32Array,
  redStrides: Float32Array,
  count: number,
  block: number,
  blocks: number,
): number {
  let rest = this.thread.x;
  let base = 0;
  for (let t = 0; t < rank; t++) {
    const d = rank - 1 - t;
    const q = divFloor(rest, outDims[d]);
    const c = rest - q * outDims[d];
    rest = q;
    base = base + c * inStrides[d];
  }
  let acc = 0;
  let accError = 0;
  let seen = 0;
  for (let k = 0; k < blocks; k++) {
    let part = 0;
    let partError = 0;
    for (let j = 0; j < block; j++) {
      const r = k * block + j;
      if (r < count) {
        let rr = r;
        let o = base;
        for (let t2 = 0; t2 < redRank; t2++) {
          const d = redRank - 1 - t2;
          const q = divFloor(rr, redDims[d]);
          const c = rr - q * redDims[d];
          rr = q;
          o = o + c * redStrides[d];
        }
        const v = x[o];
        if (op === 0) {
          const sum = part + v;
          if (Math.abs(part) >= Math.abs(v)) partError = partError + (part - sum + v);
          else partError = partError + (v - sum + part);
          part = sum;
        } else if (seen === 0) {
          acc = v;
          seen = 1;
        } else if (acc === acc) {
          if (!(v === v)) acc = v;
          else if (op === 1 && v > acc) acc = v;
          else if (op === 2 && v < acc) acc = v;
        }
      }
    }
    if (op === 0) {
      // ±∞ or NaN among the values: the compensation is NaN, the plain sum is the answer.
      if (partError - partError === 0) part = part + partError;
      const total = acc + part;
      if (Math.abs(acc) >= Math.abs(part)) accError = accError + (acc - total + part);
      else accError = accError + (part - total + acc);
      acc = total;
    }
  }
  if (op === 0 && accError - accError === 0) return acc + accError;
  return acc;
}

/**
 * Batched matmul C[t] = op(A[t]) · op(B[t]), C is [batch, m, n]. op(A)(i, l) is at
 * t·aBatch + i·aRow + l·aCol (a transpose is just swapped strides; aBatch is 0 for a shared A).
 *
 * A dot product is a sum too, and a long one in a convolution's weight gradient (k = batch ·
 * positions, near a million): the k products are summed in `blocks` blocks of `block` (about √k)
 * and the block sums added with Neumaier's compensation, as in reduceKernel but without
 * compensating inside a block, which keeps the hot loop one multiply-add.
 */
export function matmulKernel(
  this: KernelThis,
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  aRow: number,
  aCol: number,
  bRow: number,
  bCol: number,
  aBatch: number,
  bBatch: number,
  block: number,
  blocks: number,
): number {
  const idx = this.thread.x;
  const mn = m * n;
  const t = divFloor(idx, mn);
  const r = idx - t * mn;
  const i = divFloor(r, n);
  const j = r - i * n;
  const aBase = t * aBatch + i * aRow;
  const bBase = t * bBatch + j * bCol;
  let s = 0;
  let error = 0;
  for (let q = 0; q < blocks; q++) {
    let part = 0;
    for (let j2 = 0; j2 < block; j2++) {
      const l = q * block + j2;
      if (l < k) part = part + a[aBase + l * aCol] * b[bBase + l * bRow];
    }
    const next = s + part;
    if (Math.abs(s) >= Math.abs(part)) error = error + (s - next + part);
    else error = error + (part - next + s);
    s = next;
  }
  // ±∞ or NaN among the products: the compensation is NaN, the plain sum is the answer.
  if (error - error === 0) return s + error;
  return s;
}

/**
 * Row statistics of [rows, cols] for a stable softmax, two outputs per row: element 2r is the row
 * maximum m, element 2r + 1 is log Σ_c exp(x[r, c] − m). They stay apart so that the shift
 * (x − m) − log Σ is taken before rounding: at logits near 1e4, m + log Σ rounded to float32 loses
 * the digits that the softmax is made of. The sum is compensated (Neumaier, as in reduceKernel).
 */
export function rowSoftmaxStatsKernel(this: KernelThis, x: Float32Array, cols: number): number {
  const i = this.thread.x;
  const row = divFloor(i, 2);
  const base = row * cols;
  let max = x[base];
  for (let c = 1; c < cols; c++) {
    const v = x[base + c];
    if (v > max || !(v === v)) max = v;
  }
  if (i - row * 2 === 0) return max;
  let sum = 0;
  let error = 0;
  // A second loop variable name: gpu.js's cpu translator hoists loop variables per kernel.
  for (let c2 = 0; c2 < cols; c2++) {
    const e = Math.exp(x[base + c2] - max);
    const next = sum + e;
    if (sum >= e) error = error + (sum - next + e);
    else error = error + (e - next + sum);
    sum = next;
  }
  if (error - error === 0) sum = sum + error;
  return Math.log(sum);
}

/** Per row of [rows, cols]: Σ_c x[r, c], compensated (Neumaier, as in reduceKernel). */
export function rowSumKernel(this: KernelThis, x: Float32Array, cols: number): number {
  const base = this.thread.x * cols;
  let sum = 0;
  let error = 0;
  for (let c = 0; c < cols; c++) {
    const v = x[base + c];
    const next = sum + v;
    if (Math.abs(sum) >= Math.abs(v)) error = error + (sum - next + v);
    else error = error + (v - next + sum);
    sum = next;
  }
  if (error - error === 0) return sum + error;
  return sum;
}

/** With m, log Σ from rowSoftmaxStatsKernel: mode 0 exp(x − m − log Σ) (softmax); mode 1 the log-softmax. */
export function rowShiftKernel(
  this: KernelThis,
  x: Float32Array,
  stats: Float32Array,
  cols: number,
  mode: number,
): number {
  const i = this.thread.x;
  const row = divFloor(i, cols);
  const z = x[i] - stats[row * 2] - stats[row * 2 + 1];
  if (mode === 0) return Math.exp(z);
  return z;
}

/** Per row: log Σ − (x[r, label[r]] − m), the cross-entropy loss, from rowSoftmaxStatsKernel's m, log Σ. */
export function pickLossKernel(
  this: KernelThis,
  x: Float32Array,
  stats: Float32Array,
  labels: Float32Array,
  cols: number,
): number {
  const r = this.thread.x;
  return stats[r * 2 + 1] - (x[r * cols + labels[r]] - stats[r * 2]);
}

/** dlogits[r, c] = dLoss[r] · (probs[r, c] − [c = label[r]]). */
export function softmaxCrossEntropyBackwardKernel(
  this: KernelThis,
  probs: Float32Array,
  labels: Float32Array,
  dLosses: Float32Array,
  cols: number,
): number {
  const i = this.thread.x;
  const r = divFloor(i, cols);
  const c = i - r * cols;
  const d = dLosses[r];
  if (c === labels[r]) return d * probs[i] - d;
  return d * probs[i];
}

/** dx = dy − exp(y) · rowSum(dy)[row], given y = logSoftmax(x). */
export function logSoftmaxBackwardKernel(
  this: KernelThis,
  y: Float32Array,
  dy: Float32Array,
  sums: Float32Array,
  cols: number,
): number {
  const i = this.thread.x;
  const r = divFloor(i, cols);
  return dy[i] - Math.exp(y[i]) * sums[r];
}

/**
 * im2col: result [n·outH·outW, c·kh·kw]; geometry g = [n, c, h, w, kh, kw, strideH, strideW,
 * padH, padW, outH, outW] (a Float32Array, so that one kernel serves every geometry).
 */
export function im2colKernel(this: KernelThis, x: Float32Array, g: Float32Array): number {
  const c = g[1];
  const h = g[2];
  const w = g[3];
  const kh = g[4];
  const kw = g[5];
  const outH = g[10];
  const outW = g[11];
  const width = c * kh * kw;
  const idx = this.thread.x;
  const row = divFloor(idx, width);
  const col = idx - row * width;
  const bo = divFloor(row, outW);
  const ow = row - bo * outW;
  const b = divFloor(bo, outH);
  const oh = bo - b * outH;
  const chi = divFloor(col, kw);
  const j = col - chi * kw;
  const ch = divFloor(chi, kh);
  const i = chi - ch * kh;
  const y = oh * g[6] - g[8] + i;
  const xx = ow * g[7] - g[9] + j;
  if (y < 0 || y >= h || xx < 0 || xx >= w) return 0;
  return x[((b * c + ch) * h + y) * w + xx];
}

/** col2im, the adjoint of im2col, in gather form: each image pixel sums the patch entries that read it. */
export function col2imKernel(this: KernelThis, cols: Float32Array, g: Float32Array): number {
  const c = g[1];
  const h = g[2];
  const w = g[3];
  const kh = g[4];
  const kw = g[5];
  const sh = g[6];
  const sw = g[7];
  const outH = g[10];
  const outW = g[11];
  const idx = this.thread.x;
  const row = divFloor(idx, w);
  const xx = idx - row * w;
  const plane = divFloor(row, h);
  const y = row - plane * h;
  const b = divFloor(plane, c);
  const ch = plane - b * c;
  const width = c * kh * kw;
  let s = 0;
  for (let i = 0; i < kh; i++) {
    const ohs = y + g[8] - i;
    const oh = divFloor(Math.max(ohs, 0), sh);
    if (ohs >= 0 && oh * sh === ohs && oh < outH) {
      for (let j = 0; j < kw; j++) {
        const ows = xx + g[9] - j;
        const ow = divFloor(Math.max(ows, 0), sw);
        if (ows >= 0 && ow * sw === ows && ow < outW) {
          s = s + cols[((b * outH + oh) * outW + ow) * width + (ch * kh + i) * kw + j];
        }
      }
    }
  }
  return s;
}

/**
 * Pooling windows over [n·c planes, h, w]. mode 0: the flat input index of the window's maximum
 * (first wins ties; the first NaN wins; −1 for a window wholly in the padding); mode 1: the
 * window's sum of in-image values divided by kh·kw (padding counts as zeros).
 */
export function poolKernel(
  this: KernelThis,
  x: Float32Array,
  g: Float32Array,
  mode: number,
): number {
  const h = g[2];
  const w = g[3];
  const kh = g[4];
  const kw = g[5];
  const outH = g[10];
  const outW = g[11];
  const idx = this.thread.x;
  const row = divFloor(idx, outW);
  const ow = idx - row * outW;
  const plane = divFloor(row, outH);
  const oh = row - plane * outH;
  let at = -1;
  let best = 0;
  let sum = 0;
  for (let i = 0; i < kh; i++) {
    const y = oh * g[6] - g[8] + i;
    for (let j = 0; j < kw; j++) {
      const xx = ow * g[7] - g[9] + j;
      if (y >= 0 && y < h && xx >= 0 && xx < w) {
        const p = (plane * h + y) * w + xx;
        const v = x[p];
        sum = sum + v;
        if (at < 0) {
          at = p;
          best = v;
        } else if (best === best) {
          if (v > best || !(v === v)) {
            at = p;
            best = v;
          }
        }
      }
    }
  }
  if (mode === 0) return at;
  return sum / (kh * kw);
}

/** y[o] = x[argmax[o]] (0 where argmax is −1; the backend writes −∞ there). */
export function pickKernel(this: KernelThis, x: Float32Array, at: Float32Array): number {
  const p = at[this.thread.x];
  if (p < 0) return 0;
  return x[p];
}

/**
 * Pooling backward in gather form over the input [n·c planes, h, w]: each pixel sums, over the
 * windows containing it, dy[o] where argmax[o] is this pixel (mode 0) or dy[o] / (kh·kw) (mode 1).
 */
export function poolBackwardKernel(
  this: KernelThis,
  dy: Float32Array,
  argmax: Float32Array,
  g: Float32Array,
  mode: number,
): number {
  const h = g[2];
  const w = g[3];
  const kh = g[4];
  const kw = g[5];
  const sh = g[6];
  const sw = g[7];
  const outH = g[10];
  const outW = g[11];
  const idx = this.thread.x;
  const row = divFloor(idx, w);
  const xx = idx - row * w;
  const plane = divFloor(row, h);
  const y = row - plane * h;
  let s = 0;
  for (let i = 0; i < kh; i++) {
    const ohs = y + g[8] - i;
    const oh = divFloor(Math.max(ohs, 0), sh);
    if (ohs >= 0 && oh * sh === ohs && oh < outH) {
      for (let j = 0; j < kw; j++) {
        const ows = xx + g[9] - j;
        const ow = divFloor(Math.max(ows, 0), sw);
        if (ows >= 0 && ow * sw === ows && ow < outW) {
          const o = (plane * outH + oh) * outW + ow;
          if (mode === 0) {
            if (argmax[o] === idx) s = s + dy[o];
          } else {
            s = s + dy[o] / (kh * kw);
          }
        }
      }
    }
  }
  return s;
}

/** out = x: uploads an array into a kernel output (a GPU buffer in webgpu mode). */
export function copyKernel(this: KernelThis, x: Float32Array): number {
  return x[this.thread.x];
}
