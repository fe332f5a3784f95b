/**
 * @thermograd/optim: optimizer plugins parameterised by temperature (sgd, momentum, momentum-avg,
 * langevin, gradient-flow, clipping, weight decay), composable in chains and found by name in an
 * extensible registry; temperature schedules; gradient-noise measurements; and an Optimizer that
 * binds a plugin to a model's parameters with exact, JSON-serialisable checkpoints.
 */
export type {
  Hyperparams,
  PluginState,
  PerExampleStats,
  UpdateExtras,
  UpdateResult,
  OptimizerPlugin,
} from './plugin.js';
export { hyperparams } from './plugin.js';
export {
  type TensorTree,
  type NumericArray,
  type ParamTree,
  type UpdateTree,
  zerosLikeTree,
  mapTree,
  treeSqNorm,
  treeToArrays,
  arraysToTree,
  findNonFinite,
  assertFiniteGradients,
} from './tree.js';
export {
  type Schedule,
  type HyperValue,
  evaluateHyper,
  checkHyperValue,
  checkNonNegative,
  checkPositive,
  checkMu,
  checkBatchSize,
  checkCount,
} from './hyper.js';
export {
  stepSize,
  stepSizeFromTemperature,
  temperatureFromStepSize,
  type StepSize,
  type StepSizeOptions,
} from './temperature.js';
export * from './schedules.js';
export {
  stateToJSON,
  stateFromJSON,
  type JsonValue,
  type StateFromJSONOptions,
} from './serialize.js';
export { chain, type ChainState } from './chain.js';
export { sgd, type SgdOptions, type SgdState } from './plugins/sgd.js';
export { momentum, type MomentumOptions, type MomentumState } from './plugins/momentum.js';
export {
  momentumAvg,
  type MomentumAvgOptions,
  type MomentumAvgState,
} from './plugins/momentum-avg.js';
export {
  langevin,
  type LangevinNoise,
  type LangevinOptions,
  type LangevinState,
} from './plugins/langevin.js';
export {
  gradientFlow,
  type GradientFlowOptions,
  type GradientFlowState,
  type GradientFunction,
} from './plugins/gradient-flow.js';
export {
  clipByGlobalNorm,
  clipByValue,
  type ClipByGlobalNormOptions,
  type ClipByValueOptions,
} from './plugins/clip.js';
export { weightDecay, type WeightDecayOptions } from './plugins/weight-decay.js';
export {
  registerPlugin,
  unregisterPlugin,
  hasPlugin,
  pluginNames,
  pluginOptions,
  listPlugins,
  createPlugin,
  type PluginFactory,
  type RegisterOptions,
  type ChainSpec,
} from './registry.js';
export { namedParams, type ModuleLike, type ParamSource } from './params.js';
export {
  Optimizer,
  lossGradient,
  type OptimizerOptions,
  type StepReport,
  type OptimizerCheckpoint,
} from './optimizer.js';
export {
  gradientNoiseFromNorms,
  measureGradientNoise,
  GradientNoiseMeter,
  type GradientNoiseStats,
  type GradientNoiseMeterState,
} from './noise.js';
