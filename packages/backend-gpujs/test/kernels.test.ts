/**
 * Every kernel of the gpu.js backend against the reference backend, in float32, in each mode this
 * machine has (cpu, and webasm where gpu.js finds WebAssembly SIMD): within 1e-4 relative.
 */
import { describe, expect, it } from 'vitest';
import {
  referenceBackend as ref,
  sizeOf,
  type Conv2dGeometry,
  type MatmulParams,
  type Storage,
} from '@thermograd/autograd';
import { BINARY_OPS, UNARY_CASES, unaryLabel } from '@thermograd/autograd/testing';
import { kernelSources } from '../src/index.js';
import { geometry } from '../../autograd/test/helpers.js';
import { backendFor, CONFIGS, expectGpuClose, rand32 } from './helpers.js';

const F = 'float32' as const;

describe.each(CONFIGS)('gpu.js backend, $label', (config) => {
  const { mode } = config;
  const gpu = backendFor(config);
  const up = (v: Float32Array): Storage => gpu.fromValues(v, F);
  const read = (s: Storage) => gpu.read(s, F);
  const host = (s: Storage) => ref.read(s, F);

  it('reports its mode and refuses float64 by name', () => {
    expect(gpu.mode).toBe(mode);
    expect(gpu.bridged).toBe(config.bridge);
    expect(() => gpu.zeros(3, 'float64')).toThrow(
      /zeros in float64: gpu.js computes in float32 only/,
    );
    expect(() => gpu.unary('exp', up(Float32Array.of(1)), 1, 'float64', 0, 0)).toThrow(
      /exp in float64/,
    );
  });

  it.each(UNARY_CASES.map((c) => ({ ...c, label: unaryLabel(c) })))(
    'unary $label and its backward agree with the reference',
    ({ op, param: p, param2: p2, range: [lo, hi] }) => {
      const x = rand32(257, 11, lo, hi);
      // Points where the definitions branch: 0, tiny values (tanh's series), the clamp bounds.
      x.set([0, 1e-4, -1e-4, 0.4999, 0.5001, p, p2].map((v) => Math.min(hi, Math.max(lo, v))));
      const y = gpu.unary(op, up(x), x.length, F, p, p2);
      const yRef = ref.unary(op, x, x.length, F, p, p2);
      expectGpuClose(read(y), host(yRef), `${op}`);
      const dy = rand32(x.length, 12);
      const dx = gpu.unaryBackward(op, up(x), y, up(dy), x.length, F, p, p2);
      expectGpuClose(
        read(dx),
        host(ref.unaryBackward(op, x, yRef, dy, x.length, F, p, p2)),
        `${op} backward`,
      );
    },
  );

  it.each(BINARY_OPS)('binary %s broadcasts as the reference does', (op) => {
    // Small integers make the comparisons hit equality; positive bases keep pow real.
    const cases: [number[], number[], number[]][] = [
      [
        [3, 1, 4],
        [2, 1],
        [3, 2, 4],
      ],
      [
        [2, 3],
        [2, 3],
        [2, 3],
      ],
      [[2, 3], [], [2, 3]],
      [[], [4], [4]],
    ];
    for (const [aShape, bShape, outShape] of cases) {
      const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
      const a = Float32Array.from(rand32(size(aShape), 1, 0.5, 4), Math.round);
      const b = Float32Array.from(rand32(size(bShape), 2, 0.5, 4), Math.round);
      const got = gpu.binary(op, up(a), aShape, up(b), bShape, outShape, F);
      expectGpuClose(
        read(got),
        host(ref.binary(op, a, aShape, b, bShape, outShape, F)),
        `${op} ${aShape}∘${bShape}`,
      );
    }
  });

  it('binary pow of negative bases, maximum/minimum and the comparisons with NaN follow JavaScript, as the reference', () => {
    const a = Float32Array.of(-2, -2, -8, NaN, 1, 3);
    const b = Float32Array.of(2, 3, 1 / 3, 1, NaN, 0);
    for (const op of ['pow', 'maximum', 'minimum', 'eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const) {
      expectGpuClose(
        read(gpu.binary(op, up(a), [6], up(b), [6], [6], F)),
        host(ref.binary(op, a, [6], b, [6], [6], F)),
        op,
      );
    }
  });

  it('where broadcasts condition and both branches (a NaN condition is true, as in JavaScript)', () => {
    const c = Float32Array.of(1, 0, NaN, 1);
    const a = rand32(3, 3);
    const b = rand32(4 * 3, 4);
    const got = gpu.where(up(c), [4, 1], up(a), [3], up(b), [4, 3], [4, 3], F);
    expectGpuClose(read(got), host(ref.where(c, [4, 1], a, [3], b, [4, 3], [4, 3], F)), 'where');
  });

  it('reduce sum, max and min over any set of axes, NaN winning max and min', () => {
    const shape = [3, 4, 5];
    const x = rand32(60, 5);
    for (const op of ['sum', 'max', 'min'] as const) {
      for (const axes of [[0], [2], [1, 2], [0, 2], [0, 1, 2], []]) {
        expectGpuClose(
          read(gpu.reduce(op, up(x), shape, axes, F)),
          host(ref.reduce(op, x, shape, axes, F)),
          `${op} over [${axes}]`,
        );
      }
    }
    const withNaN = Float32Array.of(1, NaN, 3, 4, 5, 6);
    for (const op of ['max', 'min'] as const) {
      expectGpuClose(
        read(gpu.reduce(op, up(withNaN), [2, 3], [1], F)),
        host(ref.reduce(op, withNaN, [2, 3], [1], F)),
        `${op} with NaN`,
      );
    }
    expect(Array.from(read(gpu.reduce('max', up(new Float32Array(0)), [2, 0], [1], F)))).toEqual([
      -Infinity,
      -Infinity,
    ]);
  });

  it('whole-tensor reductions, split into rows above 4096 elements, match the reference and free their rows', () => {
    // 64·70 splits into 64 rows of 70; 4099 is prime and runs in one kernel.
    for (const shape of [[64, 70], [4099]]) {
      const x = rand32(sizeOf(shape), 9);
      x[1234] = 50;
      const axes = shape.map((_, i) => i);
      for (const op of ['sum', 'max', 'min'] as const) {
        const live = gpu.liveBuffers();
        const input = up(x);
        const got = gpu.reduce(op, input, shape, axes, F);
        expect(gpu.liveBuffers(), `${op} over [${shape}]: live buffers`).toBe(live + 2);
        expectGpuClose(read(got), host(ref.reduce(op, x, shape, axes, F)), `${op} over [${shape}]`);
      }
      x[4000] = NaN;
      expect(read(gpu.reduce('max', up(x), shape, axes, F))[0]).toBeNaN();
    }
  });

  it('matmul in every transpose variant, batched and broadcast', () => {
    const m = 5;
    const k = 7;
    const n = 3;
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [batch, aBatched, bBatched] of [
          [1, false, false],
          [3, true, true],
          [3, false, true],
          [3, true, false],
        ] as const) {
          const p: MatmulParams = { batch, m, k, n, transA, transB, aBatched, bBatched };
          const a = rand32((aBatched ? batch : 1) * m * k, 6);
          const b = rand32((bBatched ? batch : 1) * k * n, 7);
          expectGpuClose(
            read(gpu.matmul(up(a), up(b), p, F)),
            host(ref.matmul(a, b, p, F)),
            `matmul ${JSON.stringify(p)}`,
          );
        }
      }
    }
  });

  it('matmul with k = 1100 sums every term (gpu.js stops loops at 1000 unless told otherwise)', () => {
    const k = 1100;
    const a = new Float32Array(2 * k).fill(1);
    const b = new Float32Array(k * 3).fill(1);
    const p: MatmulParams = {
      batch: 1,
      m: 2,
      k,
      n: 3,
      transA: false,
      transB: true,
      aBatched: false,
      bBatched: false,
    };
    expect(Array.from(read(gpu.matmul(up(a), up(b), p, F)))).toEqual([
      1100, 1100, 1100, 1100, 1100, 1100,
    ]);
    const x = rand32(2 * k, 8);
    const w = rand32(k * 3, 9);
    const q = { ...p, transB: false };
    expectGpuClose(
      read(gpu.matmul(up(x), up(w), q, F)),
      host(ref.matmul(x, w, q, F)),
      'matmul k=1100',
    );
    // And a reduction over 1100 elements.
    expectGpuClose(
      read(gpu.reduce('sum', up(x), [2, k], [1], F)),
      host(ref.reduce('sum', x, [2, k], [1], F)),
      'sum over 1100',
    );
  });

  it('compiles each kernel once per loop-limit bucket and reuses it for other shapes', () => {
    const before = gpu.compiledKernels();
    gpu.matmul(
      up(rand32(6, 1)),
      up(rand32(6, 2)),
      {
        batch: 1,
        m: 2,
        k: 3,
        n: 2,
        transA: false,
        transB: false,
        aBatched: false,
        bBatched: false,
      },
      F,
    );
    const afterFirst = gpu.compiledKernels();
    gpu.matmul(
      up(rand32(20, 1)),
      up(rand32(20, 2)),
      { batch: 1, m: 4, k: 5, n: 4, transA: true, transB: true, aBatched: false, bBatched: false },
      F,
    );
    expect(gpu.compiledKernels()).toBe(afterFirst);
    expect(afterFirst - before).toBeLessThanOrEqual(1);
  });

  it('ran every kernel in this mode (gpu.js did not degrade any to another)', () => {
    expect(gpu.kernelModes()).toEqual([mode]);
  });

  it('permute, slice, unslice, concat, gather and scatterAdd', () => {
    const shape = [2, 3, 4];
    const x = rand32(24, 10);
    for (const perm of [
      [2, 0, 1],
      [1, 2, 0],
      [0, 1, 2],
    ]) {
      expectGpuClose(
        read(gpu.permute(up(x), shape, perm, F)),
        host(ref.permute(x, shape, perm, F)),
        `permute ${perm}`,
      );
    }
    const begin = [1, 0, 1];
    const size = [1, 2, 3];
    const s = gpu.slice(up(x), shape, begin, size, F);
    expectGpuClose(read(s), host(ref.slice(x, shape, begin, size, F)), 'slice');
    const xs = rand32(6, 11);
    expectGpuClose(
      read(gpu.unslice(up(xs), size, begin, shape, F)),
      host(ref.unslice(xs, size, begin, shape, F)),
      'unslice',
    );
    const y = rand32(2 * 1 * 4, 12);
    const cat = gpu.concat(
      [
        { storage: up(x), shape },
        { storage: up(y), shape: [2, 1, 4] },
      ],
      1,
      [2, 4, 4],
      F,
    );
    expectGpuClose(
      read(cat),
      host(
        ref.concat(
          [
            { storage: x, shape },
            { storage: y, shape: [2, 1, 4] },
          ],
          1,
          [2, 4, 4],
          F,
        ),
      ),
      'concat',
    );
    const idx = Int32Array.of(2, 0, 2);
    expectGpuClose(
      read(gpu.gather(up(x), shape, 1, idx, F)),
      host(ref.gather(x, shape, 1, idx, F)),
      'gather',
    );
    const dy = rand32(2 * 3 * 4, 13);
    expectGpuClose(
      read(gpu.scatterAdd(up(dy), [2, 3, 4], 1, idx, shape, F)),
      host(ref.scatterAdd(dy, [2, 3, 4], 1, idx, shape, F)),
      'scatterAdd',
    );
  });

  // The compensated sums (kernel-sources.ts) run here in every mode, webgpu included (pnpm
  // test:webgpu), where a shader compiler could simplify the compensation away: blocking alone
  // must then still hold these within 1e-5. packages/differential checks more shapes, in webasm.
  it('long sums: a million 0.1s in a reduction, a matmul and a softmax row, within 1e-5', () => {
    const n = 1e6;
    const want = Math.fround(0.1) * n;
    const tenths = new Float32Array(n).fill(0.1);
    expectGpuClose(read(gpu.reduce('sum', up(tenths), [n], [0], F)), [want], 'reduce sum', 1e-5);
    const p: MatmulParams = {
      batch: 1,
      m: 1,
      k: n,
      n: 1,
      transA: false,
      transB: false,
      aBatched: false,
      bBatched: false,
    };
    const ones = new Float32Array(n).fill(1);
    expectGpuClose(read(gpu.matmul(up(tenths), up(ones), p, F)), [want], 'matmul k = 1e6', 1e-5);
    // log-softmax of n equal logits is −log n everywhere, a row sum of n ones.
    const ls = read(gpu.logSoftmax(up(new Float32Array(n)), 1, n, F));
    expectGpuClose([ls[0], ls[n - 1]], [-Math.log(n), -Math.log(n)], 'logSoftmax of 1e6', 1e-5);
  });

  it('softmax and cross-entropy at logits near 1e4 subtract the maximum before the log-sum', () => {
    const rows = 8;
    const cols = 10;
    const z = rand32(rows * cols, 21, 1e4 - 3, 1e4 + 3);
    const labels = Int32Array.from({ length: rows }, (_, r) => r % cols);
    const got = gpu.softmaxCrossEntropy(up(z), labels, rows, cols, F);
    const want = ref.softmaxCrossEntropy(z, labels, rows, cols, F);
    expectGpuClose(read(got.probs), host(want.probs), 'probs', 1e-5, 0);
    expectGpuClose(read(got.losses), host(want.losses), 'losses', 1e-5, 0);
  });

  it('relu and its gradient propagate NaN; a kernel with an empty input gives zeros', () => {
    const x = Float32Array.of(NaN, -1, 0, 2);
    const y = gpu.unary('relu', up(x), 4, F, 0, 0);
    expect(Array.from(read(y))).toEqual([NaN, 0, 0, 2]);
    const dx = gpu.unaryBackward('relu', up(x), y, up(Float32Array.of(5, 5, 5, 5)), 4, F, 0, 0);
    expect(Array.from(read(dx))).toEqual([NaN, 0, 0, 5]);
    const p: MatmulParams = {
      batch: 1,
      m: 2,
      k: 0,
      n: 3,
      transA: false,
      transB: false,
      aBatched: false,
      bBatched: false,
    };
    const empty = new Float32Array(0);
    expect(Array.from(read(gpu.matmul(up(empty), up(empty), p, F)))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(read(gpu.unslice(up(empty), [0, 3], [3, 0], [4, 3], F)))).toEqual(
      new Array(12).fill(0),
    );
  });

  it('softmax cross-entropy and log-softmax, forward and backward, including extreme logits', () => {
    const rows = 6;
    const cols = 10;
    const z = rand32(rows * cols, 14, -5, 5);
    z[3] = 80; // exp would overflow without the row maximum
    z[cols + 2] = -80;
    const labels = Int32Array.of(3, 2, 0, 9, 5, 5);
    const got = gpu.softmaxCrossEntropy(up(z), labels, rows, cols, F);
    const want = ref.softmaxCrossEntropy(z, labels, rows, cols, F);
    expectGpuClose(read(got.losses), host(want.losses), 'losses');
    expectGpuClose(read(got.probs), host(want.probs), 'probs');
    const dl = rand32(rows, 15);
    expectGpuClose(
      read(gpu.softmaxCrossEntropyBackward(got.probs, labels, up(dl), rows, cols, F)),
      host(ref.softmaxCrossEntropyBackward(want.probs, labels, dl, rows, cols, F)),
      'softmaxCrossEntropy backward',
    );
    const ls = gpu.logSoftmax(up(z), rows, cols, F);
    const lsRef = ref.logSoftmax(z, rows, cols, F);
    expectGpuClose(read(ls), host(lsRef), 'logSoftmax');
    const dy = rand32(rows * cols, 16);
    expectGpuClose(
      read(gpu.logSoftmaxBackward(ls, up(dy), rows, cols, F)),
      host(ref.logSoftmaxBackward(lsRef, dy, rows, cols, F)),
      'logSoftmax backward',
    );
  });

  const geometries: Conv2dGeometry[] = [
    geometry(2, 3, 5, 6, [3, 3], [1, 1], [1, 1]),
    geometry(2, 2, 7, 6, [3, 2], [2, 2], [1, 0]),
    geometry(1, 2, 6, 6, [2, 2], [2, 2], [0, 0]),
  ];

  it.each(geometries)('im2col, col2im and pooling, forward and backward (%o)', (g) => {
    const x = rand32(g.n * g.c * g.h * g.w, 17);
    const cols = gpu.im2col(up(x), g, F);
    expectGpuClose(read(cols), host(ref.im2col(x, g, F)), 'im2col');
    const dc = rand32(g.n * g.outH * g.outW * g.c * g.kh * g.kw, 18);
    expectGpuClose(read(gpu.col2im(up(dc), g, F)), host(ref.col2im(dc, g, F)), 'col2im');
    const mp = gpu.maxPool2d(up(x), g, F);
    const mpRef = ref.maxPool2d(x, g, F);
    expect(Array.from(mp.argmax)).toEqual(Array.from(mpRef.argmax));
    expectGpuClose(read(mp.y), host(mpRef.y), 'maxPool2d');
    const dy = rand32(g.n * g.c * g.outH * g.outW, 19);
    expectGpuClose(
      read(gpu.maxPool2dBackward(up(dy), mp.argmax, g, F)),
      host(ref.maxPool2dBackward(dy, mpRef.argmax, g, F)),
      'maxPool2d backward',
    );
    expectGpuClose(read(gpu.avgPool2d(up(x), g, F)), host(ref.avgPool2d(x, g, F)), 'avgPool2d');
    expectGpuClose(
      read(gpu.avgPool2dBackward(up(dy), g, F)),
      host(ref.avgPool2dBackward(dy, g, F)),
      'avgPool2d backward',
    );
  });

  it('maxPool2d picks the first of equal maxima and the first NaN, as the reference', () => {
    const g: Conv2dGeometry = geometry(1, 1, 2, 4, [2, 2], [2, 2], [0, 0]);
    const x = Float32Array.of(1, 1, 2, NaN, 1, 0, NaN, 2);
    const mp = gpu.maxPool2d(up(x), g, F);
    const want = ref.maxPool2d(x, g, F);
    expect(Array.from(mp.argmax)).toEqual(Array.from(want.argmax));
    expectGpuClose(read(mp.y), host(want.y), 'maxPool2d ties');
  });
});

describe('gpu.js kernel sources', () => {
  it('use no !== or != (on WebGPU an ordered comparison, false for NaN; write the === test instead)', () => {
    const sources = Object.entries(kernelSources).filter(([, v]) => typeof v === 'function');
    expect(sources.length).toBeGreaterThan(10);
    for (const [name, fn] of sources)
      expect((fn as () => unknown).toString(), name).not.toMatch(/!==?/);
  });
});
