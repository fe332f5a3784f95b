/**
 * @thermograd/autograd: tensors, reverse-mode autograd over minibatch-averaged losses,
 * per-example gradient statistics, nn layers and pluggable backends.
 */
import { referenceBackend } from './backend/reference/index.js';
import { registerBackend } from './backend/registry.js';
import { fastBackend } from './backend/fast/index.js';

registerBackend(referenceBackend);
// The fast backend is the default; setBackend('reference') selects the readable reference.
registerBackend(fastBackend, { makeDefault: true });

export type {
  Backend,
  Storage,
  UnaryOp,
  BinaryOp,
  ReduceOp,
  MatmulParams,
  Conv2dGeometry,
} from './backend/backend.js';
export {
  registerBackend,
  getBackend,
  setBackend,
  listBackends,
  withBackend,
} from './backend/registry.js';
export { referenceBackend } from './backend/reference/index.js';
export { fastBackend } from './backend/fast/index.js';
export { UNARY_FUNCTIONS } from './kernels/unary-functions.js';
export * from './dtype.js';
export * from './shape.js';
export { Tensor, type PerExampleRecord } from './tensor.js';
export { tidy, keep, tidyDepth } from './tidy.js';
export {
  bufferPoolStats,
  resetBufferPool,
  type BufferPoolStats,
} from './backend/fast/buffer-pool.js';
export {
  noGrad,
  isGradEnabled,
  detectAnomaly,
  setDetectAnomaly,
  isAnomalyDetectionEnabled,
  AnomalyError,
  fromOp,
  type BackwardOptions,
  type BackwardContext,
  type GradNode,
  type PerExampleMode,
} from './autograd.js';
export { Generator, manualSeed, type GeneratorState } from './random.js';
export * from './creation.js';
export * from './ops/index.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './testing/gradcheck.js';
export * as nn from './nn/index.js';
export {
  Module,
  parameter,
  Linear,
  Conv2d,
  MaxPool2d,
  AvgPool2d,
  ReLU,
  LeakyReLU,
  Tanh,
  Sigmoid,
  GELU,
  Flatten,
  Dropout,
  Sequential,
  perExampleStats,
  perExampleGrads,
  StateDictError,
  type StateDict,
  type PerExampleStats,
} from './nn/index.js';
