/**
 * The error function to about 1e-14, for the exact GELU (JavaScript has no Math.erf). A Taylor
 * series near zero and a continued fraction for erfc in the tails; both are textbook
 * (Abramowitz & Stegun 7.1.5 and 7.1.14). A library for one function is not worth a dependency.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  if (ax > 6) return x < 0 ? -1 : 1;
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated by modified Lentz.
  const tiny = 1e-300;
  let f = ax;
  let c = ax;
  let d = 0;
  for (let k = 1; k < 200; k++) {
    const a = k / 2;
    d = ax + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = ax + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x < 0 ? erfc - 1 : 1 - erfc;
}
