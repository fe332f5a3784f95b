/**
 * Plugins by name. The built-ins are registered here; code outside the package adds its own
 * with registerPlugin, after which createPlugin (and the demo's --optimizer flag) finds it:
 *
 *     registerPlugin('sign-sgd', (o: { eta: number }) => ({ name: 'sign-sgd', init: ..., update: ... }));
 *     const plugin = createPlugin('sign-sgd', { eta: 0.01 });
 *
 * A factory takes one options object (plain data, so it can come from a command line or a JSON
 * file) and returns a plugin. 'chain' builds a chain from { plugins: [{ name, options }, ...] }.
 * A registration may declare the option names its factory reads (`options`): a front end such as
 * the demo's CLI reads them with pluginOptions(name) and passes a plugin what it takes (μ to any
 * plugin that declares `mu`, not only to the built-in momentum ones).
 */
import { chain } from './chain.js';
import type { OptimizerPlugin } from './plugin.js';
import { clipByGlobalNorm, clipByValue } from './plugins/clip.js';
import { gradientFlow } from './plugins/gradient-flow.js';
import { langevin } from './plugins/langevin.js';
import { momentumAvg } from './plugins/momentum-avg.js';
import { momentum } from './plugins/momentum.js';
import { sgd } from './plugins/sgd.js';
import { weightDecay } from './plugins/weight-decay.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PluginFactory<O = any> = (options: O) => OptimizerPlugin;

interface Entry {
  factory: PluginFactory;
  description: string;
  options?: readonly string[];
}

const registry = new Map<string, Entry>();

export interface RegisterOptions {
  /** One line for listings (`--optimizer help`). */
  description?: string;
  /** Replace an existing plugin of the same name instead of failing. */
  override?: boolean;
  /** The option names the factory reads (eta, eta0, batchSize, mu, ...), for front ends. */
  options?: readonly string[];
}

export function registerPlugin<O>(
  name: string,
  factory: PluginFactory<O>,
  options: RegisterOptions = {},
): void {
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/i.test(name)) {
    throw new RangeError(
      `registerPlugin: invalid name ${JSON.stringify(name)} (letters, digits, '.', '_', '-')`,
    );
  }
  if (typeof factory !== 'function')
    throw new TypeError(`registerPlugin: the factory for '${name}' is not a function`);
  if (registry.has(name) && !options.override) {
    throw new Error(
      `registerPlugin: a plugin named '${name}' is already registered; pass { override: true } to replace it`,
    );
  }
  const names = options.options;
  if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string')))
    throw new TypeError(`registerPlugin: options of '${name}' must be an array of option names`);
  registry.set(name, {
    factory,
    description: options.description ?? '',
    options: names === undefined ? undefined : Object.freeze([...names]),
  });
}

/** The option names a registered plugin declared, or undefined when it declared none. */
export function pluginOptions(name: string): readonly string[] | undefined {
  const entry = registry.get(name);
  if (!entry)
    throw new RangeError(
      `unknown optimizer plugin '${name}'; known plugins: ${pluginNames().join(', ')}`,
    );
  return entry.options;
}

export function unregisterPlugin(name: string): boolean {
  return registry.delete(name);
}

export function hasPlugin(name: string): boolean {
  return registry.has(name);
}

/** Registered names, sorted. */
export function pluginNames(): string[] {
  return [...registry.keys()].sort();
}

/** Name and description of every registered plugin, sorted by name. */
export function listPlugins(): { name: string; description: string }[] {
  return pluginNames().map((name) => ({ name, description: registry.get(name)!.description }));
}

/** The plugin registered under `name`, made from `options`. */
export function createPlugin(name: string, options: object = {}): OptimizerPlugin {
  const entry = registry.get(name);
  if (!entry)
    throw new RangeError(
      `unknown optimizer plugin '${name}'; known plugins: ${pluginNames().join(', ')}`,
    );
  return entry.factory(options);
}

export interface ChainSpec {
  plugins: { name: string; options?: object }[];
}

const STEP = ['eta', 'eta0', 'batchSize'];

registerPlugin('sgd', sgd, { description: 'Φ ← Φ − η ĝ, η = B·η0', options: STEP });
registerPlugin('momentum', momentum, {
  description: 'v ← μv + ηĝ, Φ ← Φ − v (Sutskever; PyTorch and Nesterov options), η = (1−μ)·B·η0',
  options: [...STEP, 'mu', 'convention', 'nesterov'],
});
registerPlugin('momentum-avg', momentumAvg, {
  description: 'g̃ ← (1−1/N)g̃ + ĝ/N, Φ ← Φ − Nηg̃, N = 1/(1−μ)',
  options: [...STEP, 'mu'],
});
registerPlugin('langevin', langevin, {
  description: 'Φ ← Φ − η∇U + √(2ηT) ξ (SGLD), or SGD-matched noise (full covariance or diagonal)',
  options: [
    ...STEP,
    'noise',
    'temperature',
    'seed',
    'dataSize',
    'priorPrecision',
    'imitateBatchSize',
    'gradientBatchSize',
    'noiseScale',
  ],
});
registerPlugin('gradient-flow', gradientFlow, {
  description: 'dΦ/dt = −g(Φ), full batch, euler / rk4 / adaptive dopri5',
  options: [
    'gradient',
    'interval',
    'method',
    'substeps',
    'rtol',
    'atol',
    'initialDt',
    'maxSubsteps',
  ],
});
registerPlugin('clip-by-global-norm', clipByGlobalNorm, {
  description: 'ĝ ← ĝ·min(1, c/|ĝ|)',
  options: ['maxNorm'],
});
registerPlugin('clip-by-value', clipByValue, {
  description: 'ĝ_i ← clamp(ĝ_i, −c, c)',
  options: ['maxValue'],
});
registerPlugin('weight-decay', weightDecay, {
  description: 'coupled ĝ + λΦ, or decoupled ΔΦ − ηλΦ',
  options: ['lambda', 'mode', 'eta'],
});
registerPlugin(
  'chain',
  (spec: ChainSpec) => {
    if (!spec || !Array.isArray(spec.plugins))
      throw new TypeError(`chain: options must be { plugins: [{ name, options }, ...] }`);
    return chain(...spec.plugins.map((p) => createPlugin(p.name, p.options ?? {})));
  },
  {
    description: 'plugins in sequence: { plugins: [{ name, options }, ...] }',
    options: ['plugins'],
  },
);
