import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

describe('backward engine', () => {
  it('accumulates gradients of a tensor used more than once', () => {
    const x = tg.tensor([2, 3], undefined, { requiresGrad: true, dtype: 'float64' });
    // y = x·x + x  ->  dy/dx = 2x + 1
    tg.add(tg.mul(x, x), x).sum().backward();
    expect([...x.grad!.toArray()]).toEqual([5, 7]);
  });

  it('leaf gradients add up across backward calls until zeroGrad', () => {
    const x = tg.tensor([1], undefined, { requiresGrad: true });
    tg.mul(x, 3).sum().backward();
    tg.mul(x, 3).sum().backward();
    expect(x.grad!.item()).toBe(6);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });

  it('a diamond graph visits each node once (reverse topological order)', () => {
    const x = tg.tensor([1.5], undefined, { requiresGrad: true, dtype: 'float64' });
    const a = tg.exp(x);
    const b = tg.mul(a, 2);
    const c = tg.mul(a, a);
    tg.add(b, c).sum().backward();
    // d/dx (2eˣ + e²ˣ) = 2eˣ + 2e²ˣ
    expect(x.grad!.item()).toBeCloseTo(2 * Math.exp(1.5) + 2 * Math.exp(3), 10);
  });

  it('a long chain does not overflow the stack', () => {
    let y = tg.tensor([1], undefined, { requiresGrad: true, dtype: 'float64' });
    const x = y;
    for (let i = 0; i < 20000; i++) y = tg.add(y, 0);
    y.sum().backward();
    expect(x.grad!.item()).toBe(1);
  });

  it('backward from a non-scalar needs an explicit output gradient', () => {
    const x = tg.tensor([1, 2], undefined, { requiresGrad: true });
    const y = tg.mul(x, 2);
    expect(() => y.backward()).toThrow(/is not a scalar; pass an output gradient/);
    y.backward(tg.tensor([1, 10]));
    expect([...x.grad!.toArray()]).toEqual([2, 20]);
    expect(() => y.backward(tg.tensor([1, 2, 3]))).toThrow(/does not match output/);
  });

  it('noGrad records no graph; detach cuts it', () => {
    const x = tg.tensor([1], undefined, { requiresGrad: true });
    const y = tg.noGrad(() => tg.mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(tg.isGradEnabled()).toBe(true);
    const z = tg.mul(x, 2).detach();
    expect(z.requiresGrad).toBe(false);
    expect(() => z.sum().backward()).toThrow(/does not require grad/);
  });

  it('gradients do not flow into inputs that do not require them', () => {
    const w = tg.tensor([1, 2], undefined, { requiresGrad: true });
    const c = tg.tensor([3, 4]);
    tg.mul(w, c).sum().backward();
    expect(c.grad).toBeNull();
    expect([...w.grad!.toArray()]).toEqual([3, 4]);
  });

  it('backward takes its options first for scalar losses', () => {
    const w = tg.tensor([[1, 2]], undefined, { requiresGrad: true, dtype: 'float64' });
    const x = tg.tensor(
      [
        [1, 0],
        [0, 2],
      ],
      undefined,
      { dtype: 'float64' },
    );
    // loss = mean_b (w·x_b): example b's own gradient is x_b, so |ĝ_0|² = 1 and |ĝ_1|² = 4.
    tg.linear(x, w).mean().backward({ perExample: 'norms' });
    expect([...w.perExample!.sqNorms]).toEqual([1, 4]);
  });

  it('assign is refused on non-leaves', () => {
    const x = tg.tensor([1], undefined, { requiresGrad: true });
    expect(() => tg.mul(x, 2).assign([3])).toThrow(/only allowed on leaf/);
    expect(() => x.assign([1, 2])).toThrow(/assign of 2 values to a tensor of 1 elements/);
  });
});

describe('anomaly mode', () => {
  it('names the first op whose forward produced NaN or Inf', () => {
    const x = tg.tensor([-1, 1]);
    expect(() => tg.detectAnomaly(() => tg.log(x).mul(2))).toThrow(/forward of 'log' produced NaN/);
    expect(tg.detectAnomaly(() => tg.isAnomalyDetectionEnabled())).toBe(true);
    expect(tg.isAnomalyDetectionEnabled()).toBe(false); // restored after the throw too
    // Outside anomaly mode the NaN passes silently, as in PyTorch.
    expect(Number.isNaN(tg.log(x).toArray()[0])).toBe(true);
  });

  it('names the op whose backward produced NaN or Inf', () => {
    const x = tg.tensor([0, 1], undefined, { requiresGrad: true });
    const y = tg.sqrt(x).sum(); // d sqrt(x)/dx = ∞ at 0
    expect(() => tg.detectAnomaly(() => y.backward())).toThrow(
      /backward of 'sqrt' produced Infinity/,
    );
  });
});
