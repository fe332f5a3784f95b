/**
 * A backend that counts its live storage: every storage a kernel of `inner` returns, until it is
 * disposed. The CPU backends leave dropped storage to the garbage collector, so a leak is
 * invisible there without such a count; tests wrap the reference and fast backends in it to
 * assert that a tidy training step leaves nothing behind (the gpu backend counts its own buffers).
 */
import type { Backend, Storage } from '../backend/backend.js';

/** Kernels whose result is not one storage: the parts that are. */
const STORAGE_PARTS: Partial<Record<keyof Backend, readonly string[]>> = {
  softmaxCrossEntropy: ['losses', 'probs'],
  maxPool2d: ['y'],
};
/** Methods that make no storage. */
const NOT_KERNELS = new Set(['read', 'readAsync', 'write', 'assign', 'dispose']);

export function countLiveStorage(inner: Backend): { backend: Backend; live(): number } {
  const live = new Set<Storage>();
  const counted = Object.create(inner) as Record<string, unknown>;
  for (let o: object | null = inner; o !== null && o !== Object.prototype;) {
    for (const key of Object.getOwnPropertyNames(o)) {
      const kernel = (inner as unknown as Record<string, unknown>)[key];
      if (typeof kernel !== 'function' || key === 'constructor') continue;
      if (key in counted && Object.hasOwn(counted, key)) continue;
      if (NOT_KERNELS.has(key)) {
        // Bound to the inner backend: called with the wrapper as `this`, a class backend's read
        // would reach its own helpers through the wrapper and have their results counted.
        counted[key] = (kernel as (...a: unknown[]) => unknown).bind(inner);
        continue;
      }
      const parts = STORAGE_PARTS[key as keyof Backend];
      counted[key] = (...args: unknown[]) => {
        const out = (kernel as (...a: unknown[]) => unknown).apply(inner, args);
        if (parts) for (const p of parts) live.add((out as Record<string, Storage>)[p]);
        else live.add(out);
        return out;
      };
    }
    o = Object.getPrototypeOf(o) as object | null;
  }
  counted.dispose = (s: Storage) => {
    live.delete(s);
    inner.dispose(s);
  };
  return { backend: counted as unknown as Backend, live: () => live.size };
}
