/**
 * The conformance table of @thermograd/autograd/testing (every op, forward and backward) on the
 * gpu.js backend in WebGL2 and WebGL, against the reference backend, at the gpu backend's
 * tolerance (the table's default), as packages/backend-gpujs/test/conformance.test.ts runs it in
 * Node's modes, then the texture pipeline's own checks (pipeline-check.ts). The e2e run
 * (e2e/run.mjs) opens conformance.html and reads `window.thermogradConformance`: per mode, the
 * failures as sentences, or why the mode is missing.
 */
import { registerBackend } from '@thermograd/autograd';
import { CASES, checkOpCase } from '@thermograd/autograd/testing';
import { GpuBackend } from '@thermograd/backend-gpujs';
import { GPU } from 'gpu.js';
import { checkPipeline, countGlTextures, type PipelineReport } from './pipeline-check.js';

// Before any GL context makes a texture.
const glTextures = countGlTextures();

export interface ModeConformance {
  mode: 'webgl2' | 'webgl';
  /** Why the mode could not be tried ('' when it was). */
  unavailable: string;
  cases: number;
  failures: string[];
  seconds: number;
  /** The pipeline checks (pipeline-check.ts), when the mode is available. */
  pipeline?: PipelineReport;
}

function runMode(mode: 'webgl2' | 'webgl'): ModeConformance {
  const supported = mode === 'webgl2' ? GPU.isWebGL2Supported : GPU.isWebGLSupported;
  if (!supported)
    return { mode, unavailable: `this browser has no ${mode}`, cases: 0, failures: [], seconds: 0 };
  const name = `gpu-${mode}`;
  registerBackend(new GpuBackend({ mode, bridge: false, name }));
  // gpu.js computes in float32 only: cases that go through float64 (cast) are not for it.
  const cases = CASES.filter((c) => !c.float64);
  const failures: string[] = [];
  const start = performance.now();
  for (const c of cases) {
    try {
      for (const f of checkOpCase(c, name)) failures.push(`${c.name}: ${f}`);
    } catch (err) {
      // One line: a shader compile error carries the whole GLSL log.
      failures.push(`${c.name}: threw ${String((err as Error).message ?? err).split('\n')[0]}`);
    }
  }
  return {
    mode,
    unavailable: '',
    cases: cases.length,
    failures,
    seconds: (performance.now() - start) / 1000,
    pipeline: checkPipeline(mode, glTextures),
  };
}

const results: ModeConformance[] = [];
for (const mode of ['webgl2', 'webgl'] as const) {
  try {
    results.push(runMode(mode));
  } catch (err) {
    // A mode that breaks outside a case (the pipeline checks, say) fails here, not by a timeout.
    const why = String((err as Error).message ?? err).split('\n')[0];
    results.push({ mode, unavailable: '', cases: 0, failures: [`threw ${why}`], seconds: 0 });
  }
  // Yield so that the page stays responsive between the modes.
  await new Promise((resolve) => setTimeout(resolve, 0));
}
(globalThis as { thermogradConformance?: ModeConformance[] }).thermogradConformance = results;
document.getElementById('out')!.textContent = JSON.stringify(results, null, 2);
