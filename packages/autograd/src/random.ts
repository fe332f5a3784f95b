/**
 * Seeded random numbers. All randomness in thermograd comes from a Generator made from an explicit
 * seed (there is no Math.random anywhere in library code), and a generator's state is plain data,
 * so a checkpoint can save it and a resumed run draws the same numbers.
 *
 * The uniform source is seedrandom's Alea (fast, 2^116 period, serialisable state); normals use
 * the Box–Muller transform, keeping the second value of each pair.
 */
import seedrandom from 'seedrandom';

export interface GeneratorState {
  alea: object;
  spareNormal: number | null;
}

type AleaPrng = ReturnType<typeof seedrandom.alea> & { state(): object };

export class Generator {
  private prng: AleaPrng;
  private spare: number | null = null;

  constructor(seed: number | string | GeneratorState) {
    if (typeof seed === 'object') {
      if (seed === null || typeof seed.alea !== 'object')
        throw new TypeError('Generator: invalid saved state');
      this.prng = seedrandom.alea('', { state: seed.alea as seedrandom.State.Alea }) as AleaPrng;
      this.spare = seed.spareNormal;
    } else {
      if (typeof seed === 'number' && !Number.isFinite(seed))
        throw new RangeError(`Generator: seed must be finite, got ${seed}`);
      this.prng = seedrandom.alea(String(seed), { state: true }) as AleaPrng;
    }
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.prng();
  }

  /** Standard normal N(0, 1). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    // 1 − u keeps the argument of log in (0, 1].
    const u = 1 - this.prng();
    const v = this.prng();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** A seeded Fisher–Yates permutation of 0..n−1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** A new generator seeded from this one (for independent streams, e.g. per layer). */
  fork(): Generator {
    return new Generator(Math.floor(this.prng() * 2 ** 52));
  }

  /** Plain-data state; `new Generator(state)` continues the same sequence. */
  state(): GeneratorState {
    return { alea: this.prng.state(), spareNormal: this.spare };
  }
}

/** A new generator seeded with `seed` (PyTorch's torch.manual_seed, without global state). */
export function manualSeed(seed: number | string): Generator {
  return new Generator(seed);
}
