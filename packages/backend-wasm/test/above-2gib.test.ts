/**
 * The 4 GiB memory: kernels on storage placed at and above 2³¹ bytes, where an address is negative
 * as a signed i32, give the same bits as below it. A filler block (never touched, so it costs
 * address space, not RAM) pushes the next storage up: first so that a result or a probed array
 * straddles 2³¹ (what a signed address comparison in a loop gets wrong: it stops at once), then
 * wholly above it (every matmul arrangement, threaded GEMM jobs whose offsets travel through an
 * Int32Array, the window kernels).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tidy, type Storage } from '@thermograd/autograd';
import { fastBackend } from '../src/index.js';
import { resetBufferPool } from '../src/buffer-pool.js';
import {
  SLACK_BYTES,
  freeResident,
  maxMemoryBytes,
  residentArray,
  residentOffset,
  wasmMemory,
} from '../src/wasm-memory.js';
import {
  MATMUL_CASES,
  matmulCase,
  releaseTaken,
  stored,
  track,
  values,
  windowAndElementwiseKernels,
} from './resident-kernels.js';

// Two threads whatever the machine: a threaded GEMM job carries its offsets in an Int32Array,
// where those above 2³¹ read back negative (the kernel's i32 parameters take them modulo 2³²).
const threadsWere = process.env.THERMOGRAD_THREADS;
process.env.THERMOGRAD_THREADS = '2';
afterAll(() => {
  if (threadsWere === undefined) delete process.env.THERMOGRAD_THREADS;
  else process.env.THERMOGRAD_THREADS = threadsWere;
});

const TWO_GIB = 2 ** 31;
const fillers: object[] = [];

/** Fills the memory up to `byte`, so that the next block starts there. */
function placeNextAt(byte: number): void {
  const probe = residentArray('float32', 4)!;
  const at = residentOffset(probe);
  freeResident(probe);
  const filler = residentArray('float32', (byte - at - SLACK_BYTES) / 4)!;
  // The probe was at the top (no free block below it), where the filler went too.
  expect(residentOffset(filler)).toBe(at);
  fillers.push(filler);
}

function freeAll(): void {
  releaseTaken();
  for (const f of fillers.splice(0)) freeResident(f);
  resetBufferPool();
}
afterEach(freeAll);

describe('storage above 2³¹ bytes of the 4 GiB memory', () => {
  it('the memory may grow to 4 GiB (Node: a 64-bit engine)', () =>
    expect(maxMemoryBytes(wasmMemory())).toBe(2 ** 32));

  const n = 4096;
  const x = values(n, 5);
  const y = values(n, 6);
  const withNaN = x.slice();
  withNaN[n - 3] = NaN;
  const straddles = (s: Storage) => {
    const at = residentOffset(s as object);
    return at < TWO_GIB && at + n * 4 > TWO_GIB;
  };

  const kernels: [string, (xs: Float32Array, ys: Float32Array) => Storage][] = [
    ['relu', (xs) => fastBackend.unary('relu', xs, n, 'float32', 0, 0)],
    ['mul', (xs, ys) => fastBackend.binary('mul', xs, [n], ys, [n], [n], 'float32')],
    ['add of a scalar', (xs, ys) => fastBackend.binary('add', xs, [n], ys, [], [n], 'float32')],
    [
      'relu backward',
      (xs, ys) => fastBackend.unaryBackward('relu', xs, xs, ys, n, 'float32', 0, 0),
    ],
  ];
  for (const [name, kernel] of kernels) {
    it(`${name}: a result straddling 2³¹`, () => {
      const low = tidy(() => Array.from(track(kernel(stored(x), stored(y))) as Float32Array));
      freeAll();
      tidy(() => {
        const [xs, ys] = [stored(x), stored(y)];
        placeNextAt(TWO_GIB - 1024);
        const out = track(kernel(xs, ys));
        expect(straddles(out)).toBe(true);
        expect(Array.from(out as Float32Array)).toEqual(low);
      });
    });
  }

  it('finiteProbe of an array straddling 2³¹ with a NaN past it', () =>
    tidy(() => {
      placeNextAt(TWO_GIB - 1024);
      const probed = stored(withNaN);
      expect(straddles(probed)).toBe(true);
      expect(track(fastBackend.finiteProbe!(probed, n, 'float32'))).toEqual(Float32Array.of(NaN));
      probed.set(x);
      expect(track(fastBackend.finiteProbe!(probed, n, 'float32'))).toEqual(Float32Array.of(0));
    }));

  it('every matmul arrangement and the window kernels wholly above 2³¹', () => {
    const run = () =>
      tidy(() => {
        const first = stored(values(4, 7));
        const results = [...MATMUL_CASES.map(matmulCase), ...windowAndElementwiseKernels()];
        return { at: residentOffset(first), results };
      });
    placeNextAt(TWO_GIB + 65536);
    const high = run();
    expect(high.at).toBe(TWO_GIB + 65536);
    freeAll();
    const low = run();
    expect(low.at).toBeLessThan(TWO_GIB);
    expect(high.results).toEqual(low.results);
  });
});
