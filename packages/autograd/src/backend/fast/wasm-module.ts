/**
 * Assembles the WAT kernels with `wabt` once, at module load (a top-level await: wabt's assembler
 * is itself an asynchronously instantiated WebAssembly module), and owns the linear memory the
 * kernels work in. Assembling takes about 30 ms; no compiled artefact is committed or built.
 *
 * It also decides, once, whether the GEMM kernel uses fused multiply-add (`f32x4.relaxed_madd`,
 * WebAssembly relaxed SIMD): see `relaxedSimd` below.
 */
import wabtInit from 'wabt';
import { GEMM_MR, GEMM_NR, MAX_PAGES, gemmWat } from './gemm-wat.js';

const wabt = await wabtInit();

// The slice of the WebAssembly JS API used here. The project's `lib` (ES2022) and @types/node 20
// do not declare the `WebAssembly` global, and pulling in the DOM lib for it would leak browser
// globals into every package, so it is typed locally.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The smallest module using relaxed SIMD: validating it tells whether the engine accepts it. */
const RELAXED_PROBE =
  '(module (func (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))))';

/**
 * Whether this engine runs relaxed SIMD, after asking for it: Node 20's V8 has it behind
 * `--experimental-wasm-relaxed-simd`, a flag that can still be set at run time as long as no module
 * using it has been compiled (the flag is process-wide, so worker threads compiling the kernel
 * later see it too). `node:v8` is imported dynamically inside a try so that this file still loads
 * where it does not exist (a browser, which either has relaxed SIMD or does not). The kernels fall
 * back to plain SIMD (a multiply and an add) without it.
 */
async function detectRelaxedSimd(): Promise<boolean> {
  try {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // Not Node: nothing to switch on.
  }
  return WebAssembly.validate(assemble('relaxed-probe.wat', RELAXED_PROBE, true));
}

/**
 * Text to bytes, with SIMD and shared memory enabled (and relaxed SIMD when asked) and the module
 * validated by wabt (a bad kernel fails at import, loudly).
 */
export function assemble(name: string, wat: string, relaxed = false): Uint8Array {
  const features = { simd: true, threads: true, relaxed_simd: relaxed };
  const module = wabt.parseWat(name, wat, features);
  try {
    module.resolveNames();
    // validate() takes the feature set too (wabt's typings omit the parameter).
    (module.validate as (options: typeof features) => void)(features);
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

/** Whether the GEMM kernel is built with fused multiply-add (relaxed SIMD; see detectRelaxedSimd). */
export const relaxedSimd = await detectRelaxedSimd();

export type GemmFn = (
  a: number,
  b: number,
  c: number,
  mPanels: number,
  nPanels: number,
  k: number,
  aRowStride: number,
  aColStride: number,
  aPanelStride: number,
  ldb: number,
  bPanelStride: number,
  ldc: number,
) => void;

/**
 * One instantiated GEMM kernel with its own growable shared memory (workers instantiate the same
 * bytes on it); with fused multiply-add wherever the engine has relaxed SIMD, unless `fma` says no.
 */
export class GemmKernel {
  readonly memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
  readonly gemm: GemmFn;
  /** transpose(src, dst, batch, m, n, lds, ldd): see gemm-wat.ts. */
  readonly transpose: (
    src: number,
    dst: number,
    batch: number,
    m: number,
    n: number,
    lds: number,
    ldd: number,
  ) => void;
  /** packRows(src, dst, panels, k, lds): a row-major B into [panels][k][8] panels (see gemm-wat.ts). */
  readonly packRows: (src: number, dst: number, panels: number, k: number, lds: number) => void;
  readonly bytes: Uint8Array;
  /** A view of the whole memory; replaced whenever the memory grows (old views keep the old length). */
  f32 = new Float32Array(this.memory.buffer);

  constructor(
    readonly mr: number = GEMM_MR,
    readonly nr: number = GEMM_NR,
    readonly fma: boolean = relaxedSimd,
  ) {
    const bytes = assemble(`gemm_${mr}x${nr}.wat`, gemmWat(mr, nr, fma), fma);
    this.bytes = bytes;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      env: { memory: this.memory },
    });
    this.gemm = instance.exports.gemm as GemmFn;
    this.transpose = instance.exports.transpose as GemmKernel['transpose'];
    this.packRows = instance.exports.packRows as GemmKernel['packRows'];
  }

  /** Makes the memory at least `floats` float32 long; returns the current view. */
  reserve(floats: number): Float32Array {
    const bytes = floats * 4;
    if (bytes > this.memory.buffer.byteLength) {
      const pages = Math.ceil((bytes - this.memory.buffer.byteLength) / 65536);
      if (bytes > MAX_PAGES * 65536) {
        throw new RangeError(
          `fast backend: a matmul needs ${Math.ceil(bytes / 2 ** 20)} MiB of wasm memory, over the ${MAX_PAGES / 16} MiB limit`,
        );
      }
      this.memory.grow(pages);
      this.f32 = new Float32Array(this.memory.buffer);
    }
    return this.f32;
  }
}
