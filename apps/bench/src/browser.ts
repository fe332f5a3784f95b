/**
 * The bench's MLP training step and timing, for a browser page as well as Node: the playground
 * measures the same config-b step (784-256-256-10, B 128) in a page with these, thermograd next to
 * TensorFlow.js, so the numbers compare with `pnpm bench`'s.
 */
export { randomBatches, type Batch } from './data.js';
export { thermogradMlp } from './mlp-thermograd.js';
export { tfjsMlp } from './mlp-tfjs.js';
export { stepsPerSecond } from './timing.js';
