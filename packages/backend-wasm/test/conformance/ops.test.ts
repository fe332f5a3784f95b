/**
 * Every op case of the conformance table (@thermograd/autograd/testing), forward and backward, on
 * every registered backend other than the reference, against the reference, in float32.
 */
import { describe, expect, it } from 'vitest';
import { listBackends } from '@thermograd/autograd';
import '../../src/index.js';
import { CASES, checkOpCase } from '@thermograd/autograd/testing';

const others = listBackends().filter((b) => b !== 'reference');

describe('conformance: backends registered besides the reference', () => {
  it('includes the fast backend', () => {
    expect(others).toContain('fast');
  });
});

for (const backend of others) {
  describe(`conformance: ${backend} against reference (float32)`, () => {
    for (const c of CASES) {
      it(c.name, () => {
        expect(checkOpCase(c, backend)).toEqual([]);
      });
    }
  });
}
