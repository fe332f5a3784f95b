/**
 * The demo's CNN (apps/demo/src/models.ts) for the benchmark: conv5×5(1→16, pad 2) → ReLU →
 * max-pool 2 → conv5×5(16→32) → ReLU → max-pool 2 → flatten (800) → linear 128 → ReLU → linear 10,
 * on 28×28 single-channel images. He-normal initial weights in thermograd's layouts (conv
 * [out, in, kh, kw], linear [out, in], flatten in C·H·W order), zero biases, shared by every
 * implementation; each implementation converts them to its own layout.
 */
import { Generator } from '@thermograd/autograd';

export const CNN = {
  size: 28,
  conv: [
    { inC: 1, outC: 16, k: 5, pad: 2 },
    { inC: 16, outC: 32, k: 5, pad: 0 },
  ],
  /** After the second pool: 32 channels of 5×5. */
  flat: { c: 32, h: 5, w: 5 },
  fc: [
    { inF: 800, out: 128 },
    { inF: 128, out: 10 },
  ],
} as const;

export interface CnnWeights {
  conv: { w: Float32Array; b: Float32Array }[];
  fc: { w: Float32Array; b: Float32Array }[];
}

export function cnnWeights(seed = 3): CnnWeights {
  const rng = new Generator(seed);
  const he = (count: number, fanIn: number) => {
    const w = new Float32Array(count);
    const scale = Math.sqrt(2 / fanIn);
    for (let i = 0; i < count; i++) w[i] = rng.normal() * scale;
    return w;
  };
  return {
    conv: CNN.conv.map(({ inC, outC, k }) => ({
      w: he(outC * inC * k * k, inC * k * k),
      b: new Float32Array(outC),
    })),
    fc: CNN.fc.map(({ inF, out }) => ({ w: he(out * inF, inF), b: new Float32Array(out) })),
  };
}
