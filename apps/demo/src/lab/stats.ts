/** Small statistics used by the lab experiments. */
export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

export function std(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return Math.sqrt(s / Math.max(xs.length - 1, 1));
}

/** Residuals of xs about its least-squares line through (i, xs[i]): the series without its drift. */
export function detrend(xs: ArrayLike<number>): Float64Array {
  const n = xs.length;
  const tm = (n - 1) / 2;
  const m = mean(xs);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - tm) * (xs[i] - m);
    sxx += (i - tm) ** 2;
  }
  const slope = sxy / sxx;
  const residuals = new Float64Array(n);
  for (let i = 0; i < n; i++) residuals[i] = xs[i] - m - slope * (i - tm);
  return residuals;
}

/** Standard deviation of the residuals of a least-squares line through (i, xs[i]): fluctuation without drift. */
export function detrendedStd(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 3) return std(xs);
  let s = 0;
  for (const r of detrend(xs)) s += r ** 2;
  return Math.sqrt(s / (n - 2));
}

/** Least-squares slope of log y against log x. */
export function logLogSlope(x: number[], y: number[]): number {
  const lx = x.map(Math.log);
  const ly = y.map(Math.log);
  const mx = mean(lx);
  const my = mean(ly);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < lx.length; i++) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) ** 2;
  }
  return sxy / sxx;
}
