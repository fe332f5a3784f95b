/**
 * Temperature parameterisation (docs/theory.md, "The η0 parameterisation").
 *
 * The temperature η0 is the learning rate per example. With the loss a MEAN over a batch of B
 * examples, one step of size η = B·η0 moves Φ about as far as B single-example steps of size η0,
 * and with momentum μ the velocity sums about 1/(1−μ) steps, so
 *
 *     sgd, langevin:             η = B · η0
 *     momentum, momentum-avg:    η = (1 − μ) · B · η0
 *
 * and the stationary distribution depends on η0 alone, not on B or μ. A plugin takes either a raw
 * step `eta` or a temperature `eta0` with `batchSize` (each a number or a schedule), never both.
 */
import { checkBatchSize, checkHyperValue, evaluateHyper, type HyperValue } from './hyper.js';
import type { Hyperparams } from './plugin.js';

/** η = (1 − μ)·B·η0 (μ = 0 for sgd and langevin). */
export function stepSizeFromTemperature(eta0: number, batchSize: number, mu = 0): number {
  return (1 - mu) * batchSize * eta0;
}

/** η0 = η / ((1 − μ)·B), the inverse of stepSizeFromTemperature. */
export function temperatureFromStepSize(eta: number, batchSize: number, mu = 0): number {
  return eta / ((1 - mu) * batchSize);
}

/** How a plugin was given its step: a raw η, or a temperature η0 with a batch size B. */
export interface StepSizeOptions {
  /** The raw step η (a learning rate), a number or a schedule. */
  eta?: HyperValue;
  /** The temperature η0, a number or a schedule; needs batchSize. */
  eta0?: HyperValue;
  /** The batch size B the loss is averaged over; required with eta0, optional with eta (to report η0). */
  batchSize?: number;
}

/** Resolves the step size at each step and records η, η0, B in a hyperparameter record. */
export interface StepSize {
  /** Writes eta (and eta0, B when known) for this step into `hyper` and returns η. */
  at(step: number, hyper: Hyperparams): number;
}

export function stepSize(where: string, options: StepSizeOptions, mu = 0): StepSize {
  const hasEta = options.eta !== undefined;
  const hasEta0 = options.eta0 !== undefined;
  if (hasEta === hasEta0) {
    throw new Error(
      `${where}: give exactly one of eta (a learning rate) or eta0 (a temperature, with batchSize)`,
    );
  }
  const B = options.batchSize === undefined ? undefined : checkBatchSize(where, options.batchSize);
  if (hasEta0) {
    if (B === undefined)
      throw new Error(
        `${where}: eta0 (a temperature) needs batchSize, since η = ${mu ? '(1 − μ)·' : ''}B·η0`,
      );
    const eta0 = checkHyperValue(where, 'eta0', options.eta0);
    return {
      at(step, hyper) {
        const t = evaluateHyper(where, 'eta0', eta0, step);
        const eta = stepSizeFromTemperature(t, B, mu);
        hyper.eta0 = t;
        hyper.eta = eta;
        hyper.B = B;
        return eta;
      },
    };
  }
  const eta = checkHyperValue(where, 'eta', options.eta);
  return {
    at(step, hyper) {
      const e = evaluateHyper(where, 'eta', eta, step);
      hyper.eta = e;
      if (B !== undefined) {
        hyper.eta0 = temperatureFromStepSize(e, B, mu);
        hyper.B = B;
      }
      return e;
    },
  };
}
