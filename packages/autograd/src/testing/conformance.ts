/**
 * The conformance runner: evaluates a case of the conformance table (conformance-cases.ts) on a
 * backend, forward and backward, in float32, and compares it with the reference backend (tfjs-core's
 * describeWithFlags(ALL_ENVS) pattern). Test-framework free: checkOpCase returns the failures as
 * sentences, so a backend package's test is
 *
 *     for (const c of CASES) it(c.name, () => expect(checkOpCase(c, 'my-backend')).toEqual([]));
 */
import { Generator } from '../random.js';
import { withBackend } from '../backend/registry.js';
import { tensor } from '../creation.js';
import type { Tensor } from '../tensor.js';
import { allClose, type AllCloseTolerance } from './all-close.js';
import type { OpCase } from './conformance-cases.js';

/** One evaluation of a case: the output and the gradient of each input (null: not differentiated). */
export interface OpCaseRun {
  backend: string;
  y: number[];
  shape: readonly number[];
  grads: (number[] | null)[];
}

function randomValues(n: number, seed: number, low: number, high: number): number[] {
  const rng = new Generator(seed);
  return Array.from({ length: n }, () => low + (high - low) * rng.uniform());
}

/** Evaluates `c` on `backend` with the case's seeded inputs; backpropagates seeded weights. */
export function runOpCase(c: OpCase, backend: string): OpCaseRun {
  return withBackend(backend, () => {
    const xs: Tensor[] = c.inputs.map((spec, i) => {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const values = randomValues(n, 1000 + i, spec.low ?? -1, spec.high ?? 1);
      return tensor(values, spec.shape, { dtype: 'float32', requiresGrad: spec.grad ?? true });
    });
    const y = c.fn(...xs);
    if (y.backend.name !== backend) {
      throw new Error(`${c.name}: output computed on ${y.backend.name}, not on ${backend}`);
    }
    if (y.requiresGrad) {
      const dy = tensor(randomValues(y.size, 7, -1, 1), y.shape, { dtype: 'float32' });
      y.backward(dy);
    }
    return {
      backend,
      y: Array.from(y.dataSync()),
      shape: y.shape,
      grads: xs.map((x) => (x.requiresGrad && x.grad ? Array.from(x.grad.dataSync()) : null)),
    };
  });
}

/**
 * The conformance tolerance for float32 results: rtol, and an atol of rtol times the RMS of the
 * expected values (plus 1e-7). float32 results carry rounding relative to the magnitudes that were
 * summed, not to each (possibly cancelled) element, so elements near zero are held to the tensor's
 * scale.
 */
export function conformanceTolerance(
  expected: ArrayLike<number>,
  rtol: number,
): Required<AllCloseTolerance> {
  let sq = 0;
  for (let i = 0; i < expected.length; i++) sq += expected[i] * expected[i];
  const rms = Math.sqrt(sq / Math.max(1, expected.length));
  return { rtol, atol: rtol * (Number.isFinite(rms) ? rms : 0) + 1e-7 };
}

/**
 * Runs `c` on `backend` and on `reference`; returns what differs (empty when the backend conforms).
 * The relative tolerance is the case's own (`tol`, default 1e-4) unless `rtol` overrides it.
 */
export function checkOpCase(
  c: OpCase,
  backend: string,
  options: { reference?: string; rtol?: number } = {},
): string[] {
  const expected = runOpCase(c, options.reference ?? 'reference');
  const actual = runOpCase(c, backend);
  const rtol = options.rtol ?? c.tol ?? 1e-4;
  const failures: string[] = [];
  if (actual.shape.join() !== expected.shape.join()) {
    failures.push(`shape [${actual.shape}], reference [${expected.shape}]`);
    return failures;
  }
  const forward = allClose(actual.y, expected.y, conformanceTolerance(expected.y, rtol));
  if (!forward.pass) failures.push(`forward: ${forward.message}`);
  expected.grads.forEach((g, i) => {
    const got = actual.grads[i];
    if ((got === null) !== (g === null)) {
      failures.push(`input ${i}: gradient ${got === null ? 'missing' : 'present'}, reference not`);
      return;
    }
    if (g === null || got === null) return;
    const r = allClose(got, g, conformanceTolerance(g, rtol));
    if (!r.pass) failures.push(`gradient of input ${i}: ${r.message}`);
  });
  return failures;
}
