/**
 * @thermograd/autograd: tensors, reverse-mode autograd over minibatch-averaged losses,
 * per-example gradient statistics, nn layers and pluggable backends.
 */
import { referenceBackend } from './backend/reference/index.js';
import { registerBackend } from './backend/registry.js';

// The reference backend is the default until a faster one registers itself as the default
// (`import '@thermograd/backend-wasm'` does).
registerBackend(referenceBackend);

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
export { BINARY_FUNCTIONS } from './backend/reference/elementwise.js';
export { UNARY_FUNCTIONS } from './kernels/unary-functions.js';
export * from './dtype.js';
export * from './shape.js';
export { Tensor, type PerExampleRecord } from './tensor.js';
export { tidy, keep, tidyDepth } from './tidy.js';
export {
  noGrad,
  isGradEnabled,
  detectAnomaly,
  setDetectAnomaly,
  isAnomalyDetectionEnabled,
  AnomalyError,
  fromOp,
  type BackwardOptions,
  type GradNode,
  type PerExampleMode,
  type PerExampleRule,
  type BatchReduction,
} from './autograd.js';
export type { PerExampleRecorder } from './per-example.js';
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
