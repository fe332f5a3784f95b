/**
 * State dicts: a model's parameters as plain JSON-able data, keyed by their dotted module path
 * ('0.weight', 'fc1.bias'), as PyTorch's state_dict / load_state_dict.
 *
 * Values are stored as plain numbers (float64 in JSON is exact for float32 and float64 values), so
 * `JSON.parse(JSON.stringify(model.stateDict()))` loads back bit for bit.
 */
import { shapeToString, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';

export interface StateDictEntry {
  shape: number[];
  values: number[];
}

export type StateDict = Record<string, StateDictEntry>;

export interface LoadStateDictOptions {
  /** Require exactly the module's parameter names (default true). Shapes must always match. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  /** Module parameters absent from the dict (left unchanged). */
  missing: string[];
  /** Dict entries that name no parameter (ignored). */
  unexpected: string[];
}

export class StateDictError extends Error {
  override name = 'StateDictError';
  constructor(
    message: string,
    readonly missing: readonly string[],
    readonly unexpected: readonly string[],
    readonly misshaped: readonly string[],
  ) {
    super(message);
  }
}

export function stateDictOf(named: Iterable<readonly [string, Tensor]>): StateDict {
  const dict: StateDict = {};
  for (const [name, p] of named)
    dict[name] = { shape: [...p.shape], values: Array.from(p.dataSync()) };
  return dict;
}

function entryProblem(entry: unknown, p: Tensor): string | null {
  if (typeof entry !== 'object' || entry === null) return `not an object { shape, values }`;
  const { shape, values } = entry as Partial<StateDictEntry>;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
    return `shape is not a list of sizes`;
  if (shape.length !== p.rank || shape.some((d, i) => d !== p.shape[i])) {
    return `shape ${shapeToString(shape)} in the dict, ${shapeToString(p.shape)} in the model`;
  }
  if (!Array.isArray(values) || values.length !== sizeOf(p.shape)) {
    return `${Array.isArray(values) ? values.length : 'no'} values for ${sizeOf(p.shape)} elements`;
  }
  const bad = values.findIndex((v) => typeof v !== 'number');
  if (bad >= 0) return `value ${bad} is not a number (${JSON.stringify(values[bad])})`;
  return null;
}

/**
 * Checks everything first and writes only if the whole dict is acceptable, so a failed load leaves
 * the model as it was.
 */
export function loadStateDictInto(
  named: Iterable<readonly [string, Tensor]>,
  dict: StateDict,
  options: LoadStateDictOptions = {},
): LoadStateDictResult {
  const strict = options.strict ?? true;
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) {
    throw new TypeError(
      `loadStateDict: expected an object of { name: { shape, values } }, got ${dict === null ? 'null' : typeof dict}`,
    );
  }
  const params = new Map(named);
  const missing = [...params.keys()].filter((k) => !Object.hasOwn(dict, k));
  const unexpected = Object.keys(dict).filter((k) => !params.has(k));
  const misshaped: string[] = [];
  const problems: string[] = [];
  for (const [name, p] of params) {
    if (!Object.hasOwn(dict, name)) continue;
    const problem = entryProblem(dict[name], p);
    if (problem !== null) {
      misshaped.push(name);
      problems.push(`  '${name}': ${problem}`);
    }
  }
  if (misshaped.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
    const lines = ['loadStateDict: the state dict does not fit the model:'];
    if (strict && missing.length > 0)
      lines.push(`  missing keys: ${missing.map((k) => `'${k}'`).join(', ')}`);
    if (strict && unexpected.length > 0)
      lines.push(`  unexpected keys: ${unexpected.map((k) => `'${k}'`).join(', ')}`);
    if (misshaped.length > 0) lines.push('  mis-shaped entries:', ...problems);
    if (strict && (missing.length > 0 || unexpected.length > 0))
      lines.push('  (pass { strict: false } to load the matching keys only)');
    throw new StateDictError(
      lines.join('\n'),
      strict ? missing : [],
      strict ? unexpected : [],
      misshaped,
    );
  }
  for (const [name, p] of params) {
    if (Object.hasOwn(dict, name)) p.assign(dict[name].values);
  }
  return { missing, unexpected };
}
