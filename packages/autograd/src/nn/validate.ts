/** Argument checks shared by the layers: one clear error at construction, never a NaN later. */
import { Generator } from '../random.js';

/** Layers with random initialisation or random behaviour take an explicit seeded generator. */
export function requireRng(layer: string, options: { rng?: unknown } | undefined): Generator {
  const rng = options?.rng;
  if (!(rng instanceof Generator)) {
    throw new TypeError(
      `${layer}: pass a seeded generator as { rng } (e.g. { rng: new Generator(seed) }); thermograd has no hidden global RNG`,
    );
  }
  return rng;
}

export function requirePositiveInt(layer: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${layer}: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function requireNonNegativeInt(layer: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${layer}: ${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}
