/**
 * Instantiates the GEMM kernel on a shared linear memory: the backend's (wasm-memory.ts), where
 * the tensors live, or a private one of its own (tests that lay out operands by hand). The module's bytes were
 * assembled from gemm-wat.ts ahead of time (wasm-binaries.generated.ts, checked against the text by
 * test/wasm-binaries.test.ts), so importing the backend starts no assembler.
 *
 * It also decides, once, whether the GEMM kernel uses fused multiply-add (`f32x4.relaxed_madd`,
 * WebAssembly relaxed SIMD): see `relaxedSimd` below. Both variants' bytes are assembled ahead of time.
 */
import { GEMM_MR, GEMM_NR } from './gemm-wat.js';
import { GEMM_FMA_WASM, GEMM_WASM, RELAXED_PROBE_WASM } from './wasm-binaries.js';
import { maxMemoryBytes, sharedMemory, type WasmMemory } from './wasm-memory.js';

// The slice of the WebAssembly JS API used here. The project's `lib` (ES2022) and @types/node 20
// do not declare the `WebAssembly` global, and pulling in the DOM lib for it would leak browser
// globals into every package, so it is typed locally.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The exports of module `bytes` instantiated on `memory` (every module here imports env.memory). */
export function instantiate(bytes: Uint8Array, memory: WasmMemory): Record<string, unknown> {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
}

/**
 * Whether this engine runs relaxed SIMD, after asking for it: Node 20's V8 has it behind
 * `--experimental-wasm-relaxed-simd`, a flag that can still be set at run time as long as no module
 * using it has been compiled (the flag is process-wide, so worker threads compiling the kernel
 * later see it too). `node:v8` is reached through `process.getBuiltinModule` where it exists, so
 * that this file still loads in a browser (which either has relaxed SIMD or does not). The kernels
 * fall back to plain SIMD (a multiply and an add) without it.
 */
function detectRelaxedSimd(): boolean {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } })
      .process;
    const v8 = proc?.getBuiltinModule?.('node:v8') as
      { setFlagsFromString(flags: string): void } | undefined;
    v8?.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // Not Node: nothing to switch on.
  }
  return WebAssembly.validate(RELAXED_PROBE_WASM);
}

/** Whether the GEMM kernel is built with fused multiply-add (relaxed SIMD; see detectRelaxedSimd). */
export const relaxedSimd = detectRelaxedSimd();

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
 * One instantiated GEMM kernel on a growable shared memory (workers instantiate the same bytes on
 * it); with fused multiply-add wherever the engine has relaxed SIMD, unless `fma` says no.
 */
export class GemmKernel {
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
  readonly mr = GEMM_MR;
  readonly nr = GEMM_NR;
  readonly bytes: Uint8Array;
  /** A view of the whole memory; replaced whenever reserve grows it (old views keep the old length). */
  f32: Float32Array;

  /**
   * `fma`: the fused multiply-add kernel (default where the engine has relaxed SIMD) or plain SIMD;
   * `memory`: where it works (default: a private memory, laid out by the caller with `reserve`).
   */
  constructor(
    readonly fma: boolean = relaxedSimd,
    readonly memory: WasmMemory = sharedMemory(),
  ) {
    this.f32 = new Float32Array(memory.buffer);
    this.bytes = fma ? GEMM_FMA_WASM : GEMM_WASM;
    const exports = instantiate(this.bytes, this.memory);
    this.gemm = exports.gemm as GemmFn;
    this.transpose = exports.transpose as GemmKernel['transpose'];
    this.packRows = exports.packRows as GemmKernel['packRows'];
  }

  /** Makes a private memory at least `floats` float32 long; returns the current view. */
  reserve(floats: number): Float32Array {
    const bytes = floats * 4;
    if (bytes > this.memory.buffer.byteLength) {
      const pages = Math.ceil((bytes - this.memory.buffer.byteLength) / 65536);
      if (bytes > maxMemoryBytes(this.memory)) {
        throw new RangeError(
          `fast backend: a matmul needs ${Math.ceil(bytes / 2 ** 20)} MiB of wasm memory, over the ${maxMemoryBytes(this.memory) / 2 ** 20} MiB limit`,
        );
      }
      this.memory.grow(pages);
      this.f32 = new Float32Array(this.memory.buffer);
    }
    return this.f32;
  }
}
