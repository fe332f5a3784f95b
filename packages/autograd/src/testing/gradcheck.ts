/**
 * Gradient checking by central differences, as torch.autograd.gradcheck: compares the analytic
 * gradient of sum(w ⊙ f(inputs)) (w fixed random weights, so every output element matters) with
 * (L(x + ε) − L(x − ε)) / 2ε for every input element. Use float64 inputs: in float32 the
 * difference quotient has only about three correct digits.
 */
import { noGrad } from '../autograd.js';
import { Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import { mul } from '../ops/binary.js';
import { sum } from '../ops/reduce.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic − numeric| − rtol·|numeric| over all checked elements. */
  worstExcess: number;
  failures: string[];
}

export function gradcheck(
  f: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  options: GradcheckOptions = {},
): GradcheckResult {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-6;
  const rtol = options.rtol ?? 1e-5;
  const rng = new Generator(options.seed ?? 0);
  const leaves = inputs.map((t) => t.detach().requireGrad(true));
  const out = f(...leaves);
  const weightValues = Array.from({ length: out.size }, () => rng.uniform() * 2 - 1);
  const weights = new Tensor(
    out.backend.fromValues(weightValues, out.dtype),
    out.shape,
    out.dtype,
    out.backend,
  );
  const loss = (ys: Tensor) => sum(mul(ys, weights));
  loss(out).backward();

  const failures: string[] = [];
  let worstExcess = -Infinity;
  leaves.forEach((leaf, k) => {
    const base = leaf.toArray();
    const analytic = leaf.grad ? leaf.grad.toArray() : new Float64Array(base.length);
    for (let i = 0; i < base.length; i++) {
      const at = (delta: number) => {
        const values = base.slice();
        values[i] += delta;
        const shifted = leaves.map((l, j) =>
          j === k
            ? new Tensor(
                leaf.backend.fromValues(values, leaf.dtype),
                leaf.shape,
                leaf.dtype,
                leaf.backend,
              )
            : l.detach(),
        );
        return noGrad(() => loss(f(...shifted)).item());
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      const excess = Math.abs(analytic[i] - numeric) - rtol * Math.abs(numeric);
      worstExcess = Math.max(worstExcess, excess);
      if (!(excess <= atol)) {
        failures.push(
          `input ${k} ${leaf.describe()} element ${i}: analytic ${analytic[i]} vs numeric ${numeric}`,
        );
      }
    }
  });
  return { ok: failures.length === 0, worstExcess, failures: failures.slice(0, 10) };
}
