/**
 * Module: the base class of layers and models, as PyTorch's nn.Module.
 *
 * Registration is by assignment, as in PyTorch: a subclass stores its parts in ordinary fields,
 *
 *     class MLP extends Module {
 *       fc1 = new Linear(2, 16, { rng });
 *       act = new ReLU();
 *       fc2 = new Linear(16, 3, { rng });
 *       forward(x: Tensor) { return this.fc2.forward(this.act.forward(this.fc1.forward(x))); }
 *     }
 *
 * and Module discovers them when asked: an own field holding a Module is a submodule, one holding a
 * tensor wrapped with `parameter(t)` (PyTorch's nn.Parameter) is a parameter, and an array field
 * holding modules or parameters contributes them as `field.0`, `field.1`, ... (PyTorch's
 * ModuleList). Any other field (numbers, options, plain tensors) is ignored. `registerModule` and
 * `registerParameter` do the same for names chosen at run time (Sequential uses them).
 *
 * Order is the fields' definition order, which JavaScript keeps: class fields in declaration
 * order, then constructor assignments in execution order. One JavaScript rule to know: fields whose
 * names are integers ('0', '1', ...) always come first, in numeric order, which is what Sequential
 * wants. Within that, namedParameters() lists, as PyTorch does, a module's own parameters first
and then each submodule's, depth first. So the order is stable: same model code, same names, same
order (and the same order as the equivalent PyTorch model's state_dict).
 */
import type { DType } from '../dtype.js';
import { Tensor } from '../tensor.js';
import {
  loadStateDictInto,
  stateDictOf,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type StateDict,
} from './state-dict.js';

const PARAMETERS = new WeakSet<Tensor>();

/**
 * Marks a leaf tensor as a trainable parameter (PyTorch's nn.Parameter): it gets requiresGrad =
 * true, and a Module field holding it is found by parameters() and stateDict().
 */
export function parameter(t: Tensor): Tensor {
  if (!(t instanceof Tensor))
    throw new TypeError(`parameter: expected a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (!t.isLeaf) {
    throw new Error(
      `parameter: ${t.describe()} is the result of an op; a parameter must be a leaf (use t.detach())`,
    );
  }
  t.requiresGrad = true;
  PARAMETERS.add(t);
  return t;
}

export function isParameter(x: unknown): x is Tensor {
  return x instanceof Tensor && PARAMETERS.has(x);
}

type Part = Module | Tensor;

function checkName(where: string, name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new RangeError(
      `${where}: name must be a non-empty string without '.', got ${JSON.stringify(name)}`,
    );
  }
}

export abstract class Module {
  /** Training mode (true) or evaluation mode (false); Dropout reads it. Set with train()/eval(). */
  training = true;

  /** The computation. Call it directly: model.forward(x). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each layer declares its own inputs
  abstract forward(...inputs: any[]): Tensor;

  /** The direct parts of this module, in stable order: [name, submodule or parameter]. */
  private *ownParts(): Generator<[string, Part]> {
    for (const key of Object.keys(this)) {
      const value = (this as unknown as Record<string, unknown>)[key];
      if (value instanceof Module || isParameter(value)) yield [key, value];
      else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item instanceof Module || isParameter(item)) yield [`${key}.${i}`, item];
        }
      }
    }
  }

  /** Direct submodules: [name, module]. */
  namedChildren(): [string, Module][] {
    return [...this.ownParts()].filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  /** This module ('') and every submodule, depth-first in registration order, each once. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, path: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([path, m]);
      for (const [name, child] of m.namedChildren())
        visit(child, path === '' ? name : `${path}.${name}`);
    };
    visit(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * Every parameter with its dotted path ('fc1.weight', '0.bias'), each once (a parameter shared
   * by two modules is listed under its first path). Sets each parameter's `.name` to that path, so
   * error messages from ops and per-example statistics name it.
   */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [path, m] of this.namedModules()) {
      for (const [name, part] of m.ownParts()) {
        if (part instanceof Module || seen.has(part)) continue;
        seen.add(part);
        const full = path === '' ? name : `${path}.${name}`;
        part.name = full;
        out.push([full, part]);
      }
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Total number of scalar parameters. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Registers a submodule under a name chosen at run time (same as assigning the field). */
  registerModule<M extends Module>(name: string, module: M): M {
    checkName('registerModule', name);
    if (!(module instanceof Module))
      throw new TypeError(`registerModule('${name}'): expected a Module`);
    (this as unknown as Record<string, unknown>)[name] = module;
    return module;
  }

  /** Registers (and marks) a parameter under a name chosen at run time. */
  registerParameter(name: string, t: Tensor): Tensor {
    checkName('registerParameter', name);
    (this as unknown as Record<string, unknown>)[name] = parameter(t);
    return t;
  }

  /** Sets training mode on this module and every submodule; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (Dropout passes inputs through); same as train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's .grad and per-example record. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** The parameters as plain JSON-able data: { [path]: { shape, values } }. */
  stateDict(): StateDict {
    return stateDictOf(this.namedParameters());
  }

  /**
   * Loads values saved by stateDict(). With strict (the default) the keys must match exactly;
   * shapes must always match. Throws a StateDictError listing missing, unexpected and mis-shaped
   * entries, without changing any parameter.
   */
  loadStateDict(dict: StateDict, options?: LoadStateDictOptions): LoadStateDictResult {
    return loadStateDictInto(this.namedParameters(), dict, options);
  }

  /**
   * Converts every parameter to another dtype. The parameters are replaced by new tensors (their
   * gradients dropped), so call this before handing parameters() to an optimizer.
   */
  to(dtype: DType): this {
    for (const m of this.modules()) {
      const record = m as unknown as Record<string, unknown>;
      const convert = (p: Tensor): Tensor => {
        if (p.dtype === dtype) return p;
        const q = parameter(
          new Tensor(p.backend.cast(p.storage, p.size, p.dtype, dtype), p.shape, dtype, p.backend),
        );
        q.requiresGrad = p.requiresGrad;
        q.name = p.name;
        return q;
      };
      for (const key of Object.keys(m)) {
        const value = record[key];
        if (isParameter(value)) record[key] = convert(value);
        else if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++)
            if (isParameter(value[i])) value[i] = convert(value[i] as Tensor);
        }
      }
    }
    return this;
  }

  /** Extra text in toString(), e.g. 'in=2, out=3'. */
  protected extraRepr(): string {
    return '';
  }

  /** A PyTorch-like summary of the module tree. */
  toString(): string {
    const children = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (children.length === 0) return `${head})`;
    const lines = children.map(
      ([name, m]) => `  (${name}): ${m.toString().split('\n').join('\n  ')}`,
    );
    return `${head}\n${lines.join('\n')}\n)`;
  }
}
