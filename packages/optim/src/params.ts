/**
 * Where an Optimizer gets its parameters: a module (anything with namedParameters(), as the nn
 * layers have), an array of [name, tensor] pairs, or a record of tensors by name. Only tensors
 * that require gradients take part (a frozen parameter is skipped), in the order given.
 */
import type { Tensor } from '@thermograd/autograd';

export interface ModuleLike {
  namedParameters(): Iterable<readonly [string, Tensor]>;
}

export type ParamSource =
  ModuleLike | Iterable<readonly [string, Tensor]> | Readonly<Record<string, Tensor>>;

export function namedParams(source: ParamSource, where = 'optimizer'): [string, Tensor][] {
  let pairs: [string, Tensor][];
  if (
    source !== null &&
    typeof source === 'object' &&
    typeof (source as ModuleLike).namedParameters === 'function'
  ) {
    pairs = [...(source as ModuleLike).namedParameters()].map(([n, t]) => [n, t]);
  } else if (source !== null && typeof source === 'object' && Symbol.iterator in source) {
    pairs = [...(source as Iterable<readonly [string, Tensor]>)].map((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2)
        throw new TypeError(`${where}: parameter ${i} is not a [name, tensor] pair`);
      return [pair[0], pair[1]];
    });
  } else if (source !== null && typeof source === 'object') {
    pairs = Object.entries(source as Record<string, Tensor>);
  } else {
    throw new TypeError(
      `${where}: parameters must be a module with namedParameters(), [name, tensor] pairs or a record of tensors`,
    );
  }
  const seen = new Set<string>();
  for (const [name, t] of pairs) {
    if (typeof name !== 'string' || name === '')
      throw new TypeError(
        `${where}: parameter names must be non-empty strings, got ${JSON.stringify(name)}`,
      );
    if (seen.has(name)) throw new Error(`${where}: parameter name '${name}' appears twice`);
    seen.add(name);
    if (!t || typeof t.dataSync !== 'function' || typeof t.assign !== 'function') {
      throw new TypeError(`${where}: parameter '${name}' is not a tensor`);
    }
  }
  return pairs.filter(([, t]) => t.requiresGrad);
}
