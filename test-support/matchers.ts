/**
 * Custom vitest matchers shared by every package's tests (vitest.config.ts loads this file before
 * each test file; each tsconfig.test.json includes it for the types).
 *
 *   expect(actual).toBeAllClose(expected, { rtol, atol })
 *
 * passes when |actual_i − expected_i| <= atol + rtol·|expected_i| for every i (NaN matches NaN, an
 * infinity only itself; defaults rtol 1e-6, atol 0), and otherwise names the worst element and
 * both of its values: allClose from @thermograd/autograd/testing.
 */
import { expect } from 'vitest';
import { allClose, type AllCloseTolerance } from '../packages/autograd/src/testing/all-close.js';

expect.extend({
  toBeAllClose(
    received: ArrayLike<number>,
    expected: ArrayLike<number>,
    tolerance?: AllCloseTolerance,
  ) {
    const result = allClose(received, expected, tolerance);
    return {
      pass: result.pass,
      message: () =>
        result.pass
          ? `expected the arrays not to be all close (rtol ${tolerance?.rtol ?? 1e-6}, atol ${tolerance?.atol ?? 0})`
          : result.message,
    };
  },
});

declare module 'vitest' {
  interface Matchers<T = any> {
    toBeAllClose(expected: ArrayLike<number>, tolerance?: AllCloseTolerance): T;
  }
}
