/**
 * Hyperparameter values and their validation. Anywhere a plugin accepts η0 or η (or T, or a
 * clipping threshold) it accepts either a number or a schedule: a function of the step index
 * (0 for the first update) returning the value for that step. Bad values fail at construction
 * (numbers) or at the step (schedules), with the plugin, the hyperparameter and the value named.
 */

/** A function of the step index (0-based count of updates before this one) returning a value. */
export type Schedule = (step: number) => number;

/** A constant or a schedule. */
export type HyperValue = number | Schedule;

function show(value: unknown): string {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
}

/** A finite number >= 0 (η, η0, T, λ, ...). */
export function checkNonNegative(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${where}: ${name} must be a finite number >= 0, got ${show(value)}`);
  }
  return value;
}

/** A finite number > 0 (clipping thresholds, time steps). */
export function checkPositive(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${where}: ${name} must be a finite number > 0, got ${show(value)}`);
  }
  return value;
}

/** The momentum coefficient μ ∈ [0, 1). */
export function checkMu(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new RangeError(`${where}: mu must be in [0, 1), got ${show(value)}`);
  }
  return value;
}

/** The batch size B: an integer >= 1. */
export function checkBatchSize(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${where}: batchSize (B) must be an integer >= 1, got ${show(value)}`);
  }
  return value;
}

/** A positive integer count (steps, substeps, periods). */
export function checkCount(where: string, name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${where}: ${name} must be an integer >= ${min}, got ${show(value)}`);
  }
  return value;
}

/** Validates a number now, or accepts a schedule to be checked at every step. */
export function checkHyperValue(where: string, name: string, value: unknown): HyperValue {
  if (typeof value === 'function') return value as Schedule;
  return checkNonNegative(where, name, value);
}

/** The value for this step; a schedule that returns a negative or non-finite value is an error here. */
export function evaluateHyper(
  where: string,
  name: string,
  value: HyperValue,
  step: number,
): number {
  if (typeof value === 'number') return value;
  const v = value(step);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RangeError(
      `${where}: ${name} schedule returned ${show(v)} at step ${step}; expected a finite number >= 0`,
    );
  }
  return v;
}
