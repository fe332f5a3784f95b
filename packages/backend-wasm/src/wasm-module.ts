/**
 * Instantiates the GEMM kernel and owns the linear memory it works in. The module's bytes were
 * assembled from gemm-wat.ts ahead of time (wasm-binaries.generated.ts, checked against the text by
 * test/wasm-binaries.test.ts), so importing the backend starts no assembler.
 */
import { GEMM_MR, GEMM_NR, MAX_PAGES } from './gemm-wat.js';
import { GEMM_WASM } from './wasm-binaries.js';

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
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

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

/** One instantiated GEMM kernel with its own growable shared memory (workers instantiate the same bytes on it). */
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
  readonly bytes: Uint8Array = GEMM_WASM;
  readonly mr = GEMM_MR;
  readonly nr = GEMM_NR;
  /** A view of the whole memory; replaced whenever the memory grows (old views keep the old length). */
  f32 = new Float32Array(this.memory.buffer);

  constructor() {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(this.bytes), {
      env: { memory: this.memory },
    });
    this.gemm = instance.exports.gemm as GemmFn;
    this.transpose = instance.exports.transpose as GemmKernel['transpose'];
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
