/**
 * Named arrays: the data plugins work on. A parameter tree maps a parameter's dotted name
 * (`fc1.weight`) to its flat values, in the order the model lists its parameters. Plugins read
 * trees and never write to the arrays they are given; they return new ones.
 */

/** Flat values of one parameter (or its gradient, or an update). */
export type NumericArray = Float32Array | Float64Array;

/** Parameter name -> flat values. */
export type ParamTree = Readonly<Record<string, NumericArray>>;

/** What update() returns: always float64, so rounding to the parameter's dtype happens once, at the write. */
export type UpdateTree = Record<string, Float64Array>;

export function treeNames(tree: ParamTree): string[] {
  return Object.keys(tree);
}

/** A float64 array of zeros for every parameter. */
export function zerosLikeTree(tree: ParamTree): UpdateTree {
  const out: UpdateTree = {};
  for (const name of Object.keys(tree)) out[name] = new Float64Array(tree[name].length);
  return out;
}

/** out[name][i] = f(a[name][i], i, name) for every element. */
export function mapTree(
  tree: ParamTree,
  f: (value: number, index: number, name: string) => number,
): UpdateTree {
  const out: UpdateTree = {};
  for (const name of Object.keys(tree)) {
    const src = tree[name];
    const dst = new Float64Array(src.length);
    for (let i = 0; i < src.length; i++) dst[i] = f(src[i], i, name);
    out[name] = dst;
  }
  return out;
}

/** Σ over all parameters and elements of x², in float64. */
export function treeSqNorm(tree: ParamTree): number {
  let s = 0;
  for (const name of Object.keys(tree)) {
    const a = tree[name];
    for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  }
  return s;
}

/** Φ + ΔΦ for every parameter, as float64 (the caller rounds into the parameter's dtype). */
export function applyUpdates(params: ParamTree, updates: ParamTree): UpdateTree {
  assertSameStructure(params, updates, 'applyUpdates');
  const out: UpdateTree = {};
  for (const name of Object.keys(params)) {
    const p = params[name];
    const u = updates[name];
    const dst = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) dst[i] = p[i] + u[i];
    out[name] = dst;
  }
  return out;
}

/** The first non-finite element, as [name, index, value], or null when all are finite. */
export function findNonFinite(tree: ParamTree): [string, number, number] | null {
  for (const name of Object.keys(tree)) {
    const a = tree[name];
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) return [name, i, a[i]];
    }
  }
  return null;
}

/** Throws a clear error naming the parameter when a gradient holds NaN or ±Infinity. */
export function assertFiniteGradients(grads: ParamTree, where: string): void {
  const bad = findNonFinite(grads);
  if (bad !== null) {
    const [name, index, value] = bad;
    throw new RangeError(
      `${where}: non-finite gradient ${value} for parameter '${name}' (element ${index})`,
    );
  }
}

/** Both trees hold the same names with the same lengths. */
export function assertSameStructure(a: ParamTree, b: ParamTree, where: string): void {
  const an = Object.keys(a);
  const bn = Object.keys(b);
  if (an.length !== bn.length || an.some((n) => !(n in b))) {
    throw new Error(`${where}: parameter names differ: [${an.join(', ')}] vs [${bn.join(', ')}]`);
  }
  for (const n of an) {
    if (a[n].length !== b[n].length) {
      throw new RangeError(
        `${where}: parameter '${n}' has ${a[n].length} values in one tree and ${b[n].length} in the other`,
      );
    }
  }
}
