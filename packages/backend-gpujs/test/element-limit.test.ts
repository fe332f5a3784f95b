/** How many elements one kernel output may have per mode, and the error beyond it. */
import { describe, expect, it } from 'vitest';
import { registerBackend, tensor } from '@thermograd/autograd';
import { utils } from 'gpu.js';
import { GpuBackend } from '../src/index.js';
import { elementLimit, MAX_ELEMENTS } from '../src/element-limit.js';

/** The texture gpu.js makes for a 1-D output of n float32 values (one per texel). */
const textureOf = (n: number): number[] => [
  ...(
    utils as unknown as { closestSquareDimensions(n: number): Int32Array }
  ).closestSquareDimensions(n),
];

describe('elementLimit', () => {
  it('is 2^24 (float indices) outside cpu mode, unlimited in cpu mode', () => {
    expect(elementLimit('cpu')).toEqual({ max: Infinity, why: '' });
    expect(elementLimit('webasm').max).toBe(MAX_ELEMENTS);
    expect(elementLimit('webgl2', 8192).max).toBe(MAX_ELEMENTS);
  });

  it("follows MAX_TEXTURE_SIZE in WebGL: every output up to the limit fits gpu.js's texture, the next does not", () => {
    for (const side of [16, 100, 2048]) {
      const { max, why } = elementLimit('webgl', side);
      expect(why).toContain(`MAX_TEXTURE_SIZE`);
      expect(why).toContain(`${side} × ${side}`);
      for (const n of [max - side, max - 1, max])
        expect(Math.max(...textureOf(n)), `n = ${n}`).toBeLessThanOrEqual(side);
      expect(Math.max(...textureOf(max + 1))).toBeGreaterThan(side);
    }
  });

  it('throws naming the limit before launching a kernel beyond it', () => {
    const gpu = new GpuBackend({ mode: 'webasm', bridge: false, name: 'gpu-limit' });
    registerBackend(gpu);
    const column = tensor(new Float32Array(4200), [4200, 1], { backend: gpu.name });
    const row = tensor(new Float32Array(4200), [1, 4200], { backend: gpu.name });
    expect(() => column.matmul(row)).toThrow(
      /matmul of 17640000 elements; webasm kernels index exactly up to 2\^24/,
    );
  });
});
