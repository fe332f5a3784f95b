/**
 * thermograd's nn: Module and layers (PyTorch's torch.nn), seeded initialisers, state dicts and
 * per-example gradient statistics.
 */
export { Module, parameter, isParameter } from './module.js';
export { Linear, type LinearOptions } from './linear.js';
export { Conv2d, type Conv2dLayerOptions } from './conv2d.js';
export { MaxPool2d, AvgPool2d } from './pooling.js';
export { ReLU, LeakyReLU, Tanh, Sigmoid, GELU } from './activations.js';
export { Flatten } from './flatten.js';
export { Dropout, type DropoutLayerOptions } from './dropout.js';
export { Sequential } from './sequential.js';
export * as init from './init.js';
export {
  calculateFans,
  calculateGain,
  kaimingUniform,
  kaimingNormal,
  xavierUniform,
  xavierNormal,
  uniformInit,
  normalInit,
  type Nonlinearity,
  type FanMode,
  type InitTarget,
  type InitOptions,
  type KaimingOptions,
  type XavierOptions,
} from './init.js';
export {
  StateDictError,
  stateDictOf,
  loadStateDictInto,
  type StateDict,
  type StateDictEntry,
  type LoadStateDictOptions,
  type LoadStateDictResult,
} from './state-dict.js';
export {
  perExampleStats,
  perExampleGrads,
  type PerExampleStats,
  type ParameterSource,
} from './per-example.js';
