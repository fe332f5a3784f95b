/**
 * Named tensors: the data plugins work on. A tree maps a parameter's dotted name (`fc1.weight`)
 * to a tensor, in the order the model lists its parameters: the gradients, the parameters and
 * the updates a plugin returns all have that form, with the parameters' shape, dtype and backend.
 * Plugins compute with tensor ops on the parameters' backend (no copy to the host) and never
 * write to the tensors they are given; they return new ones.
 *
 * Flat host arrays (ParamTree) remain for what runs on the host: gradient-flow's full-batch
 * gradient closure and its integrator.
 */
import { tensor, zerosLike, type Tensor } from '@thermograd/autograd';

/** Parameter name -> tensor (gradients, parameters). */
export type TensorTree = Readonly<Record<string, Tensor>>;

/** What update() returns: ΔΦ by parameter name, each of the parameter's shape, dtype and backend. */
export type UpdateTree = Record<string, Tensor>;

/** Flat values of one parameter on the host. */
export type NumericArray = Float32Array | Float64Array;

/** Parameter name -> flat host values (gradient-flow's closure and integrator). */
export type ParamTree = Readonly<Record<string, NumericArray>>;

/** f applied to every tensor of the tree, by name. */
export function mapTree(tree: TensorTree, f: (t: Tensor, name: string) => Tensor): UpdateTree {
  const out: UpdateTree = {};
  for (const name of Object.keys(tree)) out[name] = f(tree[name], name);
  return out;
}

/** A tensor of zeros like each one of the tree (optimizer state starts here). */
export function zerosLikeTree(tree: TensorTree): UpdateTree {
  return mapTree(tree, (t) => zerosLike(t));
}

/** Σ over all tensors and elements of x², accumulated in float64 across tensors. */
export function treeSqNorm(tree: TensorTree): number {
  let s = 0;
  for (const t of Object.values(tree)) s += t.mul(t).sum().item();
  return s;
}

/** Copies of the values as host arrays (of each tensor's dtype). */
export function treeToArrays(tree: TensorTree): ParamTree {
  const out: Record<string, NumericArray> = {};
  for (const [name, t] of Object.entries(tree)) out[name] = t.toArray() as NumericArray;
  return out;
}

/** Tensors with these host values and the shapes, dtypes and backends of `like`. */
export function arraysToTree(values: ParamTree, like: TensorTree): UpdateTree {
  return mapTree(like, (t, name) =>
    tensor(values[name], t.shape, { dtype: t.dtype, backend: t.backend }),
  );
}

/** The first non-finite element, as [name, index, value], or null when all are finite (reads the values). */
export function findNonFinite(tree: TensorTree | ParamTree): [string, number, number] | null {
  for (const [name, t] of Object.entries(tree)) {
    const a: ArrayLike<number> = ArrayBuffer.isView(t)
      ? (t as NumericArray)
      : (t as Tensor).dataSync();
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) return [name, i, a[i]];
    }
  }
  return null;
}

/** Throws a clear error naming the parameter when a gradient holds NaN or ±Infinity. */
export function assertFiniteGradients(grads: TensorTree | ParamTree, where: string): void {
  const bad = findNonFinite(grads);
  if (bad !== null) {
    const [name, index, value] = bad;
    throw new RangeError(
      `${where}: non-finite gradient ${value} for parameter '${name}' (element ${index})`,
    );
  }
}
