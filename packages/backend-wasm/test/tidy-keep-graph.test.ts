/**
 * A graph that outlives its tidy scope (kept with `keep`, or returned) must keep every value its
 * backward needs, whatever runs in between: on the fast backend the buffer pool once handed a kept
 * loss's raw im2col columns to the next step, and its gradients came out silently wrong. Each
 * order of tidy, keep, another step and backward is checked against the same graph built without
 * any scope, on every CPU backend (the gpu backend's own tidy is tested in its package).
 */
import { describe, expect, it } from 'vitest';
import { keep, tidy, withBackend, type Tensor } from '@thermograd/autograd';
import '../src/index.js';
import {
  keptLossData,
  keptLossOf as lossOf,
  keptLossReferenceGrad,
} from '../../autograd/test/kept-loss-scenario.js';

/** Another training step of the same shapes, on other data: it reuses whatever the pool holds. */
function otherStep(backend: string): void {
  const { x, w } = keptLossData(99, backend);
  tidy(() => {
    lossOf(x, w).backward();
    return 0;
  });
}

function expectSameGrad(w: Tensor, want: number[]): void {
  const got = Array.from(w.grad!.dataSync());
  got.forEach((g, i) => expect(Math.abs(g - want[i]), `W.grad[${i}]`).toBeLessThan(1e-6));
}

for (const backend of ['reference', 'fast']) {
  describe(`${backend}: a graph that outlives its tidy scope`, () => {
    const run = <T>(fn: () => T) => withBackend(backend, fn);

    it('kept in the scope, another step, then backward', () =>
      run(() => {
        const want = keptLossReferenceGrad();
        const { x, w } = keptLossData(1, backend);
        let kept: Tensor | undefined;
        tidy(() => {
          kept = keep(lossOf(x, w));
          return 0;
        });
        otherStep(backend);
        otherStep(backend);
        kept!.backward();
        expectSameGrad(w, want);
      }));

    it('returned from the scope, another step, then backward', () =>
      run(() => {
        const want = keptLossReferenceGrad();
        const { x, w } = keptLossData(1, backend);
        const loss = tidy(() => lossOf(x, w));
        otherStep(backend);
        loss.backward();
        expectSameGrad(w, want);
      }));

    it('returned logsumexp (its backward holds tensors that are no graph input), another step', () =>
      run(() => {
        const lse = (v: Tensor) => v.mul(v).logsumexp(1).sum();
        const v0 = keptLossData(1, backend).x.reshape([16, 144]).detach().requireGrad();
        lse(v0).backward();
        const v = v0.detach().requireGrad();
        const loss = tidy(() => lse(v));
        tidy(() =>
          lse(keptLossData(99, backend).x.reshape([16, 144]).detach().requireGrad()).backward(),
        );
        loss.backward();
        expectSameGrad(v, Array.from(v0.grad!.dataSync()));
      }));

    it('kept in an inner scope, both scopes end, another step, then backward', () =>
      run(() => {
        const want = keptLossReferenceGrad();
        const { x, w } = keptLossData(1, backend);
        let kept: Tensor | undefined;
        tidy(() => {
          tidy(() => {
            kept = keep(lossOf(x, w));
            return 0;
          });
          otherStep(backend);
          return 0;
        });
        otherStep(backend);
        kept!.backward();
        expectSameGrad(w, want);
      }));

    it('backward inside the scope, another step, the gradient read after', () =>
      run(() => {
        const want = keptLossReferenceGrad();
        const { x, w } = keptLossData(1, backend);
        const grad = tidy(() => {
          lossOf(x, w).backward();
          return w.grad!;
        });
        otherStep(backend);
        expect(grad.isDisposed).toBe(false);
        expectSameGrad(w, want);
      }));

    it('a loss the scope disposed is a clear error, not a backward on recycled storage', () =>
      run(() => {
        const { x, w } = keptLossData(1, backend);
        let dropped: Tensor | undefined;
        tidy(() => {
          dropped = lossOf(x, w);
          return 0;
        });
        otherStep(backend);
        expect(() => dropped!.backward()).toThrow(/backward: .* was disposed \(a tidy scope/);
      }));
  });
}
