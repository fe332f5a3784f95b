/**
 * The fast backend's resident storage: the allocator (src/arena.ts), the shared memory's views
 * surviving growth (src/wasm-memory.ts), and kernels giving the same bits whether their operands
 * and results live in wasm memory (read and written in place) or in plain arrays (copied in and
 * out, the path without shared memory).
 */
import { describe, expect, it } from 'vitest';
import { tidy } from '@thermograd/autograd';
import { Arena } from '../src/arena.js';
import {
  ensureMemory,
  freeResident,
  residentArray,
  residentOffset,
  wasmMemory,
  wasmMemoryStats,
} from '../src/wasm-memory.js';
import { fastBackend } from '../src/index.js';
import { setResidentStorage } from '../src/buffer-pool.js';
import { MATMUL_CASES, stored, values, windowAndElementwiseKernels } from './resident-kernels.js';

describe('arena', () => {
  it('hands out aligned, disjoint blocks, reuses freed ones first-fit and coalesces neighbours', () => {
    const arena = new Arena(10, 1000);
    const a = arena.alloc(20)!;
    const b = arena.alloc(1)!;
    const c = arena.alloc(40)!;
    expect([a, b, c]).toEqual([16, 48, 64]);
    expect(arena.top).toBe(112);
    arena.free(b, 1);
    expect(arena.alloc(8)).toBe(48);
    arena.free(48, 8);
    arena.free(a, 20);
    // a and b merged into one free block of 48 bytes.
    expect(arena.freeBlocks()).toEqual([[16, 48]]);
    expect(arena.alloc(48)).toBe(16);
    arena.free(16, 48);
    // Freeing the block at the top lowers the top, through the free block below it.
    arena.free(c, 40);
    expect(arena.freeBlocks()).toEqual([]);
    expect(arena.top).toBe(16);
    expect(arena.used).toBe(0);
  });

  it('refuses what passes the limit, and a block freed twice', () => {
    const arena = new Arena(0, 256);
    expect(arena.alloc(200)).toBe(0);
    expect(arena.alloc(100)).toBeUndefined();
    const b = arena.alloc(16)!;
    arena.alloc(16);
    arena.free(b, 16);
    expect(() => arena.free(b, 16)).toThrow(/freed twice/);
  });
});

describe('resident storage in the shared wasm memory', () => {
  it('a view made before the memory grows keeps its values and sees writes made after', () => {
    const view = residentArray('float32', 1000)!;
    expect(view.buffer).toBe(wasmMemory().buffer);
    view.set(Float32Array.from({ length: 1000 }, (_, i) => i * 0.5));
    const before = wasmMemory().buffer.byteLength;
    ensureMemory(before + 3 * 65536);
    expect(wasmMemory().buffer.byteLength).toBeGreaterThan(before);
    expect(view.buffer).not.toBe(wasmMemory().buffer);
    expect(view.length).toBe(1000);
    expect(view[999]).toBe(499.5);
    // The same bytes through a view of the grown memory, both ways.
    const at = residentOffset(view);
    const whole = new Float32Array(wasmMemory().buffer);
    expect(whole[at / 4 + 10]).toBe(5);
    whole[at / 4 + 11] = -1;
    expect(view[11]).toBe(-1);
    expect(freeResident(view)).toBe(true);
    expect(freeResident(view)).toBe(false);
  });

  it('float64 storage lives there too, 16-byte aligned; freeing gives the bytes back', () => {
    const used = wasmMemoryStats().usedBytes;
    const view = residentArray('float64', 7)!;
    expect(view).toBeInstanceOf(Float64Array);
    expect(residentOffset(view) % 16).toBe(0);
    expect(wasmMemoryStats().usedBytes).toBeGreaterThan(used);
    freeResident(view);
    expect(wasmMemoryStats().usedBytes).toBe(used);
  });
});

describe('kernels on resident storage and on plain arrays give the same bits', () => {
  for (const p of MATMUL_CASES) {
    it(`matmul ${JSON.stringify(p)}`, () =>
      tidy(() => {
        const a = values((p.aBatched ? p.batch : 1) * p.m * p.k, 1);
        const b = values((p.bBatched ? p.batch : 1) * p.k * p.n, 2);
        const resident = fastBackend.matmul(stored(a), stored(b), p, 'float32') as Float32Array;
        expect(residentOffset(resident)).toBeGreaterThan(0);
        const was = setResidentStorage(false);
        try {
          const plainA = stored(a);
          expect(residentOffset(plainA)).toBe(-1);
          const plain = fastBackend.matmul(plainA, stored(b), p, 'float32') as Float32Array;
          expect(residentOffset(plain)).toBe(-1);
          expect(resident).toEqual(plain);
          // A user's arrays (never resident) into a resident result: the same bits again.
          setResidentStorage(true);
          expect(fastBackend.matmul(a, b, p, 'float32')).toEqual(plain);
        } finally {
          setResidentStorage(was);
        }
      }));
  }

  it('storage taken outside tidy is a plain array (the collector sees it)', () => {
    expect(residentOffset(stored(values(10, 1)))).toBe(-1);
    tidy(() => void expect(residentOffset(stored(values(10, 1)))).toBeGreaterThan(0));
  });

  it('im2col, col2im, max pool and its backward, relu and a broadcast add', () => {
    tidy(() => {
      const resident = windowAndElementwiseKernels();
      const was = setResidentStorage(false);
      try {
        expect(resident).toEqual(windowAndElementwiseKernels());
      } finally {
        setResidentStorage(was);
      }
    });
  });
});
