/**
 * Every op, one concept per file. Importing this module also installs the Tensor methods
 * (x.add(y), x.matmul(w), ...) that each op file defines beside its function.
 */
export * from './unary.js';
export * from './binary.js';
export * from './reshape.js';
export * from './reduce.js';
export * from './matmul.js';
export * from './linear.js';
export * from './where.js';
export * from './permute.js';
export * from './slice.js';
export * from './concat.js';
export * from './gather.js';
export * from './one-hot.js';
export * from './softmax.js';
export * from './losses.js';
export { conv2d, type Conv2dOptions, type Size2d } from './conv.js';
export * from './pool.js';
export * from './dropout.js';
export * from './cast.js';
export { sumToShape, broadcastTo } from './broadcast-grad.js';
export type { TensorLike } from './op-utils.js';
