/** The conformance table must cover every op exported from src/ops. */
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/ops/index.js';
import { CASES, NOT_OPS } from '../../src/testing/index.js';

describe('conformance coverage', () => {
  it('has a case for every exported op', () => {
    const exported = Object.entries(ops)
      .filter(([name, v]) => typeof v === 'function' && !NOT_OPS.has(name))
      .map(([name]) => name);
    const covered = new Set(CASES.flatMap((c) => c.covers));
    expect(exported.filter((name) => !covered.has(name))).toEqual([]);
  });
  it('names only ops that exist', () => {
    const names = new Set(Object.keys(ops));
    expect(CASES.flatMap((c) => c.covers).filter((n) => !names.has(n))).toEqual([]);
  });
});
