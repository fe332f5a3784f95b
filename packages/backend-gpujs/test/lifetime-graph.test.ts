/**
 * A loss kept past the scope that built it, then backward after another step of the same shapes:
 * the orders of tidy, keep and backward. Under autograd's tidy the kept graph keeps its buffers
 * (as on the CPU backends: packages/backend-wasm/test/tidy-keep-graph.test.ts), and the gradients equal
 * the reference's. The gpu backend's own tidy frees device memory explicitly, so it releases a
 * graph's intermediates even when a kept or returned loss still needs them; backward then fails
 * with an error that says to run it inside the scope, never with someone else's values.
 */
import { describe, expect, it } from 'vitest';
import { keep, registerBackend, tidy, type Tensor } from '@thermograd/autograd';
import {
  keptLossData as data,
  keptLossOf as lossOf,
  keptLossReferenceGrad as referenceGrad,
} from '../../autograd/test/kept-loss-scenario.js';
import { backendFor, MODES } from './helpers.js';

describe('gpu backend: a loss kept past its scope', () => {
  for (const mode of MODES) {
    const gpu = backendFor(mode);
    registerBackend(gpu);

    it(`${mode}: autograd's tidy + keep, another step, backward: the reference's gradients`, () => {
      const want = referenceGrad();
      const { x, w } = data(1, gpu.name);
      let kept: Tensor | undefined;
      tidy(() => {
        kept = keep(lossOf(x, w));
        return 0;
      });
      const other = data(99, gpu.name);
      tidy(() => {
        lossOf(other.x, other.w).backward();
        return 0;
      });
      kept!.backward();
      Array.from(w.grad!.dataSync()).forEach((g, i) =>
        expect(Math.abs(g - want[i]), `W.grad[${i}]`).toBeLessThan(1e-5),
      );
    });

    it(`${mode}: the gpu backend's tidy + keep, then backward outside: a clear error`, () => {
      const { x, w } = data(1, gpu.name);
      let kept: Tensor | undefined;
      gpu.tidy(() => {
        [kept] = gpu.keep(lossOf(x, w));
        return 0;
      });
      expect(() => kept!.backward()).toThrow(
        /was used after it was disposed .* run backward inside the scope/,
      );
    });
  }
});
