/**
 * @thermograd/autograd/testing: what a backend author (and this repository's own tests) needs to
 * check a backend: float64 gradient checks, the allClose comparison, the one table of unary ops,
 * and the conformance table of op cases that every backend must match the reference backend on,
 * with its runner.
 */
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck.js';
export { allClose, type AllCloseTolerance, type AllCloseResult } from './all-close.js';
export { BINARY_OPS } from './binary-ops.js';
export { UNARY_CASES, unaryLabel, type UnaryCase } from './unary-cases.js';
export { CASES, NOT_OPS, type OpCase, type InputSpec } from './conformance-cases.js';
export { runOpCase, checkOpCase, conformanceTolerance, type OpCaseRun } from './conformance.js';
export { countLiveStorage } from './live-storage.js';
