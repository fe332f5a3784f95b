/**
 * The conformance table of @thermograd/autograd/testing (every op, forward and backward) on the
 * gpu.js backend against the reference backend, in float32, in each configuration this machine
 * has (cpu, webasm and webasm behind the bridge; webgpu under THERMOGRAD_TEST_WEBGPU=1), at the
 * backend's documented tolerance, which is the table's default: 1e-4 relative, entries that cancel
 * to near zero held to the tensor's scale (conformanceTolerance).
 */
import { describe, expect, it } from 'vitest';
import { registerBackend } from '@thermograd/autograd';
import { CASES, checkOpCase } from '@thermograd/autograd/testing';
import { backendFor, CONFIGS } from './helpers.js';

describe.each(CONFIGS)('conformance: gpu.js $label against reference (float32)', (config) => {
  const backend = backendFor(config);
  registerBackend(backend);
  // gpu.js computes in float32 only: cases that go through float64 (cast) are not for it.
  const cases = CASES.filter((c) => !c.float64);
  it.each(cases.map((c) => ({ c, name: c.name })))('$name', ({ c }) => {
    expect(checkOpCase(c, backend.name)).toEqual([]);
  });
});
