import { DEFAULTS, type TrainConfig } from '../../src/config.js';

/** A run of seconds: a 784-16-10 MLP, 600 training examples, 2 epochs of 18 steps. */
export const tinyConfig: TrainConfig = {
  ...DEFAULTS,
  hidden: [16],
  batch: 32,
  epochs: 2,
  limit: 700,
  validation: 100,
  logEvery: 5,
  evalSize: 100,
  seed: 7,
  backend: 'fast',
};
