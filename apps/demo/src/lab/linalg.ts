/**
 * Small dense linear algebra for the lab's closed forms (d up to a few dozen): row-major
 * Float64Array matrices, Gaussian elimination, and linear matrix equations such as the
 * Lyapunov equation H C + C H = Q solved by vectorisation (d² unknowns).
 */
export type Matrix = Float64Array; // row-major d×d

export function matmul(a: Matrix, b: Matrix, d: number): Matrix {
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k];
      for (let j = 0; j < d; j++) c[i * d + j] += aik * b[k * d + j];
    }
  return c;
}

export function transpose(a: Matrix, d: number): Matrix {
  const t = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) t[j * d + i] = a[i * d + j];
  return t;
}

export function identity(d: number): Matrix {
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) m[i * d + i] = 1;
  return m;
}

export function trace(a: Matrix, d: number): number {
  let t = 0;
  for (let i = 0; i < d; i++) t += a[i * d + i];
  return t;
}

/** Solves A x = b (A n×n row-major) by Gaussian elimination with partial pivoting. */
export function solve(aIn: Float64Array, bIn: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(aIn);
  const b = Float64Array.from(bIn);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    if (Math.abs(a[pivot * n + col]) < 1e-300)
      throw new Error(`solve: singular ${n}×${n} system (column ${col})`);
    if (pivot !== col) {
      for (let j = 0; j < n; j++)
        [a[col * n + j], a[pivot * n + j]] = [a[pivot * n + j], a[col * n + j]];
      [b[col], b[pivot]] = [b[pivot], b[col]];
    }
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col] / a[col * n + col];
      if (f === 0) continue;
      for (let j = col; j < n; j++) a[r * n + j] -= f * a[col * n + j];
      b[r] -= f * b[col];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let j = r + 1; j < n; j++) s -= a[r * n + j] * x[j];
    x[r] = s / a[r * n + r];
  }
  return x;
}

export function inverse(a: Matrix, d: number): Matrix {
  const inv = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const e = new Float64Array(d);
    e[j] = 1;
    const col = solve(a, e, d);
    for (let i = 0; i < d; i++) inv[i * d + j] = col[i];
  }
  return inv;
}

/**
 * Solves the linear matrix equation L(C) = Q for C, where L is any linear map on d×d matrices,
 * by building L's d²×d² matrix column by column from L(E_ij).
 */
export function solveLinearMatrixEquation(L: (c: Matrix) => Matrix, q: Matrix, d: number): Matrix {
  const n = d * d;
  const big = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const e = new Float64Array(n);
    e[k] = 1;
    const col = L(e);
    for (let r = 0; r < n; r++) big[r * n + k] = col[r];
  }
  return solve(big, q, n);
}

/** The Lyapunov equation H C + C H = Q. */
export function solveLyapunov(h: Matrix, q: Matrix, d: number): Matrix {
  return solveLinearMatrixEquation(
    (c) => {
      const hc = matmul(h, c, d);
      const ch = matmul(c, h, d);
      return hc.map((v, i) => v + ch[i]);
    },
    q,
    d,
  );
}

/**
 * R diag(λ) Rᵀ with R the product of rotations by `angle` in each (i, i+1) plane; R's columns
 * are the eigenvectors.
 */
export function rotatedDiagonal(
  eigenvalues: number[],
  angle: number,
): { matrix: Matrix; rotation: Matrix } {
  const d = eigenvalues.length;
  let r = identity(d);
  for (let i = 0; i + 1 < d; i++) {
    const g = identity(d);
    g[i * d + i] = Math.cos(angle);
    g[i * d + i + 1] = -Math.sin(angle);
    g[(i + 1) * d + i] = Math.sin(angle);
    g[(i + 1) * d + i + 1] = Math.cos(angle);
    r = matmul(r, g, d);
  }
  const diag = new Float64Array(d * d);
  eigenvalues.forEach((l, i) => (diag[i * d + i] = l));
  return { matrix: matmul(matmul(r, diag, d), transpose(r, d), d), rotation: r };
}

/** uᵀ C u for the j-th column u of R: the variance of C along that direction. */
export function varianceAlong(c: Matrix, r: Matrix, j: number, d: number): number {
  let s = 0;
  for (let a = 0; a < d; a++)
    for (let b = 0; b < d; b++) s += r[a * d + j] * c[a * d + b] * r[b * d + j];
  return s;
}

/** Lower Cholesky factor of a symmetric positive-definite matrix. */
export function cholesky(a: Matrix, d: number): Matrix {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (s <= 0) throw new Error('cholesky: matrix is not positive definite');
        l[i * d + i] = Math.sqrt(s);
      } else l[i * d + j] = s / l[j * d + j];
    }
  return l;
}
