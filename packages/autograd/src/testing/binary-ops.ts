/**
 * Every element-wise binary kernel of the backend interface, for kernel-level tests that run each
 * one on a backend (the gpu.js kernel and bridge suites, the wasm kernel suite, the device check).
 * One list, so a new binary op is tested everywhere once it is added here.
 */
import type { BinaryOp } from '../backend/backend.js';

export const BINARY_OPS: readonly BinaryOp[] = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'gt',
  'ge',
  'lt',
  'le',
];
