/** Tensor.data(): the values as a promise, through the backend's readAsync where it has one. */
import { describe, expect, it } from 'vitest';
import { referenceBackend, tensor, tidy, type Backend, type TypedArray } from '../src/index.js';

describe('Tensor.data()', () => {
  it('a copy of the values as of the call, on a backend without readAsync', async () => {
    const t = tensor([1, 2, 3], [3]);
    const pending = t.data();
    t.dispose();
    const values = await pending;
    expect(Array.from(values)).toEqual([1, 2, 3]);
    expect(values).toBeInstanceOf(Float32Array);
    await expect(t.data()).rejects.toThrow(/tensor was disposed/);
  });

  it('goes through readAsync where the backend has it, and a tidy may dispose the tensor', async () => {
    const asked: unknown[] = [];
    const backend = Object.assign(Object.create(referenceBackend) as Backend, {
      name: 'async-reads',
      readAsync(storage: unknown, dtype: 'float32' | 'float64'): Promise<TypedArray> {
        asked.push(storage);
        const copy = referenceBackend.read(storage, dtype).slice();
        return new Promise((resolve) => setTimeout(() => resolve(copy), 1));
      },
    });
    const x = tensor([1, 2], [2], { backend, dtype: 'float64' });
    // tidy refuses a promise as its result: the promise leaves in a box.
    const box = tidy(() => ({ pending: x.mul(3).data() }));
    const values = await box.pending;
    expect(Array.from(values)).toEqual([3, 6]);
    expect(asked).toHaveLength(1);
  });
});
