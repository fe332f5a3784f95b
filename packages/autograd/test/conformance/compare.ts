/** Tolerance comparison for conformance: differences are judged against the magnitude of the values. */
export function mismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
): string | undefined {
  if (actual.length !== expected.length)
    return `length ${actual.length} vs expected ${expected.length}`;
  // float32 results carry rounding relative to the magnitudes that were summed, not to each
  // (possibly cancelled) element, so the scale is the larger of |e| and the RMS of the tensor.
  let sq = 0;
  for (let i = 0; i < expected.length; i++) sq += expected[i] * expected[i];
  const rms = Math.sqrt(sq / Math.max(1, expected.length));
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e || (Number.isNaN(e) && Number.isNaN(a))) continue;
    if (!(Math.abs(a - e) <= tol * Math.max(Math.abs(e), rms) + 1e-7)) {
      return `element ${i}: ${a} vs reference ${e} (tol ${tol}, rms ${rms.toPrecision(3)})`;
    }
  }
  return undefined;
}
