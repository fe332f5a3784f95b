/**
 * Tensor lifetime: `tidy(fn)` and `keep(t)`, as in TensorFlow.js.
 *
 * Every Tensor created while a `tidy` scope is open belongs to that scope. When `fn` returns, the
 * scope disposes each of its tensors that fn's result does not reach and that was not kept with
 * `keep`. Tensors created outside (parameters, data) are never touched. Scopes nest: what an inner
 * scope returns moves to the enclosing scope.
 *
 * What the result reaches: tensors anywhere in it (arrays, plain objects, Maps, Sets), their
 * `.grad`, and the graph that produced them (the inputs of their gradNode, transitively). To let a
 * step's activations go, return a number (`loss.item()`) or `loss.detach()` rather than the loss.
 *
 * A graph that outlives the scope (a returned tensor, or one kept with `keep`, that has a gradNode)
 * keeps everything the scope made: its backward closures hold intermediates that no walk of the
 * graph can see (an op's saved tensors, the internal tensor of a convolution's im2col columns), and
 * recycling one of them would give `backward` someone else's values, silently. So such a scope
 * disposes nothing: its tensors pass to the enclosing scope, which decides the same way, and at top
 * level to the garbage collector. `backward` then runs after the scope, in any order with later
 * scopes, on the values the graph was built from. Disposing the kept tensor lets the enclosing
 * scopes release the rest again.
 *
 * `.grad` tensors produced inside a scope (by `backward`) are disposed with it unless returned:
 * read the gradients (the optimizer step) inside the scope. Typed arrays returned from a scope
 * (for example `p.grad.dataSync()`) never change under the caller: a backend that recycles storage
 * (the fast backend) returns copies from `read` (see Backend.read), and one that does not (the
 * reference backend) may hand out the storage itself, which nothing reuses.
 *
 * Storage is reference-counted by the tensors that wrap it: reshape, view and detach share
 * storage, and a storage goes back to the backend (`backend.dispose`, which
 * @thermograd/backend-wasm turns into reuse by the next kernel of the same size) only when every
 * tensor wrapping it is disposed.
 * A tensor that was simply dropped is left to the garbage collector. Using a disposed tensor
 * throws "tensor was disposed".
 *
 * This is the only lifetime mechanism, for every backend: every storage a kernel returns belongs
 * to a Tensor from the moment it exists (ops wrap their raw intermediates, such as a matmul
 * result before its bias add, a convolution's im2col columns or softmax-CE's probabilities, in
 * internal tensors), so a scope sees all of it and backends keep no scope state of their own.
 *
 * Why the counts live here, keyed by storage, and not in the Backend as incRef/decRef (as in
 * TF.js's data stores or jax-js): one implementation serves every backend, a backend only has to
 * hand out storage with an identity (an extensible object) and free it in `dispose`, and the
 * counts cannot disagree with the scope stack that decides when they drop. The count is a
 * symbol-keyed property on the storage object rather than an entry in a WeakMap: a program that
 * leaves millions of tensors to the garbage collector (the lab's float64 runs outside `tidy`) made
 * the WeakMap's ephemeron table a fifth of its run time.
 */
import { Tensor } from './tensor.js';

const scopes: Set<Tensor>[] = [];
/** Per open scope, the tensors kept while it was open: roots, like its result, at its end. */
const keptInScope: Set<Tensor>[] = [];
/** Live tensors wrapping a storage object, kept on the object. Storage that is not an object is not counted. */
const WRAPPERS = Symbol('thermograd.wrappers');
type Counted = { [WRAPPERS]?: number };

const isObject = (s: unknown): s is object =>
  (typeof s === 'object' && s !== null) || typeof s === 'function';

/** Called by the Tensor constructor: counts the new wrapper and puts the tensor in the open scope. */
export function trackTensor(t: Tensor, storage: unknown): void {
  if (isObject(storage)) {
    const counted = storage as Counted;
    counted[WRAPPERS] = (counted[WRAPPERS] ?? 0) + 1;
  }
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
}

/** Called by Tensor.dispose: true when no other live tensor wraps the storage, so it may be released. */
export function untrackTensor(t: Tensor, storage: unknown): boolean {
  for (const scope of scopes) scope.delete(t);
  if (!isObject(storage)) return true;
  const counted = storage as Counted;
  const count = (counted[WRAPPERS] ?? 1) - 1;
  counted[WRAPPERS] = count;
  return count <= 0;
}

/**
 * Called by Tensor.replaceStorage: moves the tensor's count from `from` to `to`, or returns false
 * when another live tensor wraps `from` (it would keep seeing the old storage).
 */
export function moveWrapper(from: unknown, to: unknown): boolean {
  if (isObject(from) && ((from as Counted)[WRAPPERS] ?? 1) > 1) return false;
  if (isObject(from)) (from as Counted)[WRAPPERS] = 0;
  if (isObject(to)) (to as Counted)[WRAPPERS] = ((to as Counted)[WRAPPERS] ?? 0) + 1;
  return true;
}

/** Number of open tidy scopes (0 outside any). */
export function tidyDepth(): number {
  return scopes.length;
}

/**
 * Runs `fn` and disposes every tensor it created that its result does not reach and that was not
 * kept (see the file comment). `fn` must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  const kept = new Set<Tensor>();
  scopes.push(scope);
  keptInScope.push(kept);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) {
      throw new TypeError(
        'tidy: the function must be synchronous (its tensors are disposed when it returns)',
      );
    }
  } catch (error) {
    // The scope's tensors are still released: a failed step must not leak.
    scopes.pop();
    keptInScope.pop();
    for (const t of scope) t.dispose();
    throw error;
  }
  scopes.pop();
  keptInScope.pop();
  const reachable = new Set<Tensor>();
  const seen = new Set<unknown>();
  collect(result, reachable, seen);
  for (const t of kept) if (!t.isDisposed) collect(t, reachable, seen);
  const parent = scopes.length > 0 ? scopes[scopes.length - 1] : undefined;
  let graphEscapes = false;
  for (const t of reachable) if (t.gradNode !== null) graphEscapes = true;
  for (const t of scope) {
    // A live graph may need any of them (see the file comment): none is disposed.
    if (graphEscapes || reachable.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

/**
 * Takes `t` out of every open scope: it lives until disposed explicitly (or collected). Its graph
 * lives with it, as a returned tensor's does, so that `t.backward()` may run after the scopes end.
 */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of scopes) scope.delete(t);
  for (const kept of keptInScope) kept.add(t);
  return t;
}

function collect(value: unknown, out: Set<Tensor>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Tensor) {
    out.add(value);
    collect(value.grad, out, seen);
    if (value.gradNode) for (const input of value.gradNode.inputs) collect(input, out, seen);
  } else if (Array.isArray(value) || value instanceof Set) {
    for (const v of value) collect(v, out, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, seen);
  }
}
