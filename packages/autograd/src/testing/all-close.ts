/**
 * Elementwise closeness of two arrays of numbers, numpy.allclose's rule:
 *
 *     |actual_i − expected_i| <= atol + rtol · |expected_i|        for every i
 *
 * NaN matches NaN, an infinity matches only the same infinity, and the lengths must agree. A failed
 * comparison names the worst element: the one whose difference exceeds its allowance by the largest
 * factor. The vitest matcher `expect(actual).toBeAllClose(expected, { rtol, atol })` of this
 * repository's tests is this function.
 */

export interface AllCloseTolerance {
  /** Relative tolerance, a multiple of |expected_i| (default 1e-6). */
  rtol?: number;
  /** Absolute tolerance (default 0). */
  atol?: number;
}

export interface AllCloseResult {
  pass: boolean;
  /** Elements outside the tolerance. */
  failures: number;
  /** The worst element (-1 when all pass or the lengths differ). */
  worstIndex: number;
  /** One line: what failed, with the worst element's values; '' when all pass. */
  message: string;
}

export function allClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: AllCloseTolerance = {},
): AllCloseResult {
  const rtol = tolerance.rtol ?? 1e-6;
  const atol = tolerance.atol ?? 0;
  if (!(rtol >= 0) || !(atol >= 0)) {
    throw new RangeError(`allClose: rtol and atol must be >= 0, got rtol ${rtol}, atol ${atol}`);
  }
  if (actual.length !== expected.length) {
    return {
      pass: false,
      failures: Math.max(actual.length, expected.length),
      worstIndex: -1,
      message: `length ${actual.length}, expected ${expected.length}`,
    };
  }
  let failures = 0;
  let worstIndex = -1;
  let worstExcess = 0;
  let worstDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const diff = Math.abs(a - e);
    const allowed = atol + rtol * Math.abs(e);
    const finite = Number.isFinite(a) && Number.isFinite(e);
    if (finite && diff <= allowed) continue;
    failures++;
    // How many allowances the difference spans; non-finite mismatches (NaN against a number, a
    // wrong infinity) and any difference where nothing is allowed count as infinitely many, and
    // among equals the larger difference is worse.
    const excess = finite && allowed > 0 ? diff / allowed : Infinity;
    const d = Number.isNaN(diff) ? Infinity : diff;
    if (worstIndex < 0 || excess > worstExcess || (excess === worstExcess && d > worstDiff)) {
      worstIndex = i;
      worstExcess = excess;
      worstDiff = d;
    }
  }
  if (failures === 0) return { pass: true, failures: 0, worstIndex: -1, message: '' };
  const a = actual[worstIndex];
  const e = expected[worstIndex];
  return {
    pass: false,
    failures,
    worstIndex,
    message:
      `${failures} of ${expected.length} elements differ by more than atol + rtol·|expected| ` +
      `(rtol ${rtol}, atol ${atol}); worst at index ${worstIndex}: got ${a}, expected ${e} ` +
      `(|diff| ${Math.abs(a - e)}, allowed ${atol + rtol * Math.abs(e)})`,
  };
}
