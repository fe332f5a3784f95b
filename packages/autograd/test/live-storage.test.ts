import { describe, expect, it } from 'vitest';
import { referenceBackend, type Backend, type DType, type Storage } from '../src/index.js';
import { countLiveStorage } from '../src/testing/index.js';

/** A class backend whose read goes through a helper method, as the gpu backend's does. */
class HelperBackend {
  constructor(private readonly inner: Backend) {}
  host(storage: Storage): Float32Array {
    return Float32Array.from(this.inner.read(storage, 'float32'));
  }
  read(storage: Storage, _dtype: DType) {
    return this.host(storage);
  }
  fromValues(values: ArrayLike<number>, dtype: DType) {
    return this.inner.fromValues(values, dtype);
  }
  dispose(storage: Storage) {
    this.inner.dispose(storage);
  }
}

describe('countLiveStorage', () => {
  it('counts what kernels make until it is disposed', () => {
    const { backend, live } = countLiveStorage(referenceBackend);
    const a = backend.fromValues([1, 2], 'float32');
    const b = backend.unary('exp', a, 2, 'float32', 0, 0);
    expect(live()).toBe(2);
    backend.dispose(a);
    expect(live()).toBe(1);
    backend.dispose(b);
    expect(live()).toBe(0);
  });

  it("does not count what a class backend's read makes through its own helpers", () => {
    const { backend, live } = countLiveStorage(
      new HelperBackend(referenceBackend) as unknown as Backend,
    );
    const a = backend.fromValues([1, 2, 3], 'float32');
    for (let i = 0; i < 3; i++) expect([...backend.read(a, 'float32')]).toEqual([1, 2, 3]);
    expect(live()).toBe(1);
    backend.dispose(a);
    expect(live()).toBe(0);
  });
});
