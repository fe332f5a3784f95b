/**
 * Compiled gpu.js kernels, cached per (kernel, loop limit). Compiling is the slow part of gpu.js
 * (tens of milliseconds per kernel, more for WGSL), so each kernel is built once with a dynamic
 * output and dynamic arguments and then serves every shape whose loops fit its limit.
 *
 * The limit matters because gpu.js ends every loop after `loopMaxIterations` iterations (default
 * 1000) *silently*: a matmul with k = 1100 would sum only 1000 terms. Each call states its real
 * largest loop bound; the cache rounds it up to a power of two (at least 16) and compiles a kernel
 * with that limit, so a training loop with fixed shapes compiles each kernel once.
 */
import { GPU, type IGPUKernelSettings, type IKernelRunShortcut } from 'gpu.js';
import { HELPERS } from './kernel-sources.js';

/**
 * The gpu.js modes this package drives: cpu, webasm and webgpu in Node; webgl and webgl2 in a
 * browser (gpu.js's browser build, where they run in the page or in a Web Worker).
 */
export type GpuJsMode = 'cpu' | 'webasm' | 'webgpu' | 'webgl' | 'webgl2';
/** The modes whose kernels return their values synchronously, so that they run in process. */
export type InProcessMode = Exclude<GpuJsMode, 'webgpu'>;
/** The modes that the bridge's Node worker thread can run (the browser modes need a browser). */
export type BridgedMode = Exclude<GpuJsMode, 'webgl' | 'webgl2'>;

// gpu.js types kernel functions through generics that do not fit typed-array parameters; the
// sources are checked by TypeScript where they are written (kernel-sources.ts).
type AnyKernelFunction = (...args: never[]) => number;

export function loopLimit(bound: number): number {
  let limit = 16;
  while (limit < bound) limit *= 2;
  return limit;
}

/**
 * The settings every kernel is compiled with, in process and in the bridge's worker (which gets
 * them in its start-up data): one kernel per function serves every shape (dynamic output and
 * arguments), in float32, with loops allowed `limit` iterations.
 */
export const KERNEL_SETTINGS = {
  dynamicOutput: true,
  dynamicArguments: true,
  tactic: 'precision',
  precision: 'single',
} as const;

/**
 * What pipeline mode adds: outputs stay on the GPU as textures that feed the next kernel, and
 * `immutable` gives every call its own output texture (otherwise the kernel's next call would
 * overwrite a texture that a live tensor still holds).
 */
export const PIPELINE_SETTINGS = { pipeline: true, immutable: true } as const;

export class KernelCache {
  readonly gpu: GPU;
  private readonly kernels = new Map<string, IKernelRunShortcut>();
  /** How many kernels were compiled (tests check that shapes reuse them). */
  compiled = 0;

  /** `pipeline`: kernels return gpu.js Textures (WebGL modes; see texture-device.ts). */
  constructor(
    readonly mode: GpuJsMode,
    private readonly pipeline = false,
  ) {
    this.gpu = new GPU({ mode });
    for (const helper of HELPERS) this.gpu.addFunction(helper as never);
  }

  /**
   * The kernel for `fn` whose loops may run up to `maxLoop` iterations, with its output set to
   * `size`. `variant` separates calls whose arguments have other types (a host array where other
   * calls pass a texture): gpu.js would otherwise switch between compiled variants at every call.
   */
  get(fn: AnyKernelFunction, maxLoop: number, size: number, variant = ''): IKernelRunShortcut {
    const limit = loopLimit(maxLoop);
    const key = `${fn.name}|${limit}|${variant}`;
    let kernel = this.kernels.get(key);
    if (!kernel) {
      // loopMaxIterations is a kernel setting that gpu.js's settings type omits.
      const settings: IGPUKernelSettings & { loopMaxIterations: number } = {
        ...KERNEL_SETTINGS,
        ...(this.pipeline ? PIPELINE_SETTINGS : {}),
        output: [size],
        loopMaxIterations: limit,
      };
      kernel = this.gpu.createKernel(fn as never, settings);
      this.kernels.set(key, kernel);
      this.compiled++;
    }
    // On every call, even for the same size: in WebGL, setOutput also sets the viewport, which
    // is the shared context's state and must be this kernel's when it draws.
    kernel.setOutput([size]);
    return kernel;
  }

  /** The modes the built kernels actually run in (gpu.js may degrade a webasm kernel to cpu). */
  builtModes(): Set<string> {
    const modes = new Set<string>();
    for (const k of this.kernels.values()) {
      const mode = (k as unknown as { kernel?: { constructor?: { mode?: string } } }).kernel
        ?.constructor?.mode;
      if (mode) modes.add(mode);
    }
    return modes;
  }

  destroy(): void {
    for (const k of this.kernels.values()) k.destroy();
    this.kernels.clear();
  }
}
