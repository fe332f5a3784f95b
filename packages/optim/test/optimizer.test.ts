import { afterEach, describe, expect, it } from 'vitest';
import {
  Generator,
  linear,
  mseLoss,
  nn,
  referenceBackend,
  tensor,
  tidy,
  type Backend,
  type Tensor,
} from '@thermograd/autograd';
import {
  chain,
  clipByGlobalNorm,
  cosineSchedule,
  createPlugin,
  mapTree,
  gradientFlow,
  langevin,
  lossGradient,
  momentum,
  momentumAvg,
  type MomentumState,
  Optimizer,
  pluginNames,
  registerPlugin,
  sgd,
  unregisterPlugin,
  weightDecay,
  type OptimizerPlugin,
  type UpdateTree,
} from '../src/index.js';
import { bits } from './helpers.js';

/** A small seeded linear-regression problem with float32 parameters and minibatches of 8. */
function problem(seed = 0) {
  const rng = new Generator(seed);
  const n = 64;
  const trueW = [1.5, -2, 0.5];
  const X = Array.from({ length: n }, () => [rng.normal(), rng.normal(), rng.normal()]);
  const Y = X.map((x) => x.reduce((s, xi, i) => s + xi * trueW[i], 0.3) + 0.1 * rng.normal());
  const make = (w: ArrayLike<number> = [0, 0, 0], c: ArrayLike<number> = [0]) => {
    const W = tensor(Array.from(w), [1, 3], { requiresGrad: true });
    const b = tensor(Array.from(c), [1], { requiresGrad: true });
    return {
      W,
      b,
      params: [
        ['fc.weight', W],
        ['fc.bias', b],
      ] as [string, Tensor][],
    };
  };
  const batchLoss = (W: Tensor, b: Tensor, step: number, B = 8) => {
    const start = (step * B) % n;
    const xs = X.slice(start, start + B);
    const ys = Y.slice(start, start + B);
    return mseLoss(linear(tensor(xs, [B, 3]), W, b), tensor(ys, [B, 1]));
  };
  const fullLoss = (W: Tensor, b: Tensor) =>
    mseLoss(linear(tensor(X, [n, 3]), W, b), tensor(Y, [n, 1]));
  return { make, batchLoss, fullLoss };
}

function train(
  opt: Optimizer,
  W: Tensor,
  b: Tensor,
  loss: (W: Tensor, b: Tensor, step: number) => Tensor,
  from: number,
  to: number,
) {
  for (let s = from; s < to; s++) {
    opt.zeroGrad();
    if (opt.plugin.usesGradients !== false) loss(W, b, s).backward();
    opt.step();
  }
}

describe('Optimizer', () => {
  it('one sgd step writes fround(Φ − η ĝ) into float32 parameters and records the hyperparameters', () => {
    const { make, batchLoss } = problem();
    const { W, b, params } = make([0.1, 0.2, 0.3], [0.4]);
    const opt = new Optimizer(params, sgd({ eta0: 0.01, batchSize: 8 }));
    batchLoss(W, b, 0).backward();
    const before = [...W.toArray()];
    const g = [...W.grad!.toArray()];
    const report = opt.step();
    expect([...W.toArray()]).toEqual(before.map((p, i) => Math.fround(p + -0.08 * g[i])));
    expect(report).toMatchObject({ step: 1, skipped: false });
    expect(report.hyper).toMatchObject({ step: 1, eta0: 0.01, eta: 0.08, B: 8 });
    opt.zeroGrad();
    expect(W.grad).toBeNull();
  });

  it('accepts a module, [name, tensor] pairs or a record; skips frozen parameters', () => {
    const model = new nn.Linear(3, 2, { rng: new Generator(1) });
    const byModule = new Optimizer(model, sgd({ eta: 0.1 }));
    expect(byModule.params.map(([n]) => n)).toEqual(model.namedParameters().map(([n]) => n));
    const a = tensor([1], [1], { requiresGrad: true });
    const frozen = tensor([2], [1]);
    expect(new Optimizer({ a, frozen }, sgd({ eta: 0.1 })).params.map(([n]) => n)).toEqual(['a']);
    expect(new Optimizer([['a', a]], sgd({ eta: 0.1 })).params.length).toBe(1);
    expect(
      () =>
        new Optimizer(
          [
            ['a', a],
            ['a', a],
          ],
          sgd({ eta: 0.1 }),
        ),
    ).toThrow("Optimizer: parameter name 'a' appears twice");
  });

  it("keeps its state as tensors of the parameters' dtype and backend, and releases the old state", () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const w = tensor([1, 2], [2], { dtype, requiresGrad: true });
      w.grad = tensor([0.5, -1], [2], { dtype });
      const opt = new Optimizer({ w }, momentum({ eta: 0.1, mu: 0.5 }));
      const first = (opt.rawState as MomentumState).velocity.w;
      expect(first.dtype).toBe(dtype);
      expect(first.backend).toBe(w.backend);
      opt.step();
      const second = (opt.rawState as MomentumState).velocity.w;
      expect(first.isDisposed).toBe(true);
      expect(second.dtype).toBe(dtype);
      expect([...second.toArray()]).toEqual(
        [0.05, -0.1].map(dtype === 'float32' ? Math.fround : Number),
      );
      opt.step();
      expect(second.isDisposed).toBe(true);
      expect(w.grad.isDisposed).toBe(false);
    }
  });

  it('a parameter without a gradient is a clear error', () => {
    const a = tensor([1], [1], { requiresGrad: true });
    expect(() => new Optimizer({ a }, sgd({ eta: 0.1 })).step()).toThrow(
      "sgd: parameter 'a' has no gradient; call loss.backward() before step()",
    );
  });

  it('a non-finite gradient: an error naming the parameter, or skipped and counted', () => {
    const a = tensor([1, 2], [2], { requiresGrad: true });
    const z = tensor([3], [1], { requiresGrad: true });
    a.grad = tensor([0.5, 0.5], [2]);
    z.grad = tensor([NaN], [1]);
    const strict = new Optimizer({ a, z }, momentum({ eta: 0.1, mu: 0.9 }));
    expect(() => strict.step()).toThrow(
      /momentum: non-finite gradient NaN for parameter 'z' \(element 0\)/,
    );
    const lenient = new Optimizer({ a, z }, momentum({ eta: 0.1, mu: 0.9 }), {
      skipNonFinite: true,
    });
    const report = lenient.step();
    expect(report).toMatchObject({ skipped: true, step: 0 });
    expect(lenient.skippedSteps).toBe(1);
    expect(lenient.hyper.skippedSteps).toBe(1);
    expect([...a.toArray(), ...z.toArray()]).toEqual([1, 2, 3]); // untouched
    z.grad = tensor([1], [1]);
    expect(lenient.step()).toMatchObject({ skipped: false, step: 1 });
    expect(lenient.state().skippedSteps).toBe(1);
  });

  it('large finite gradients whose sum overflows still step (the check looks at the values)', () => {
    const w = tensor([1, 2], [2], { dtype: 'float64', requiresGrad: true });
    w.grad = tensor([1.5e308, 1.5e308], [2], { dtype: 'float64' });
    const opt = new Optimizer({ w }, sgd({ eta: 1e-308 }));
    expect(opt.step()).toMatchObject({ skipped: false, step: 1 });
    const step = 1.5e308 * -1e-308;
    expect([...w.toArray()]).toEqual([1 + step, 2 + step]);
  });

  it('an update that overflows is an error, never a silently infinite model', () => {
    const a = tensor([1], [1], { requiresGrad: true });
    a.grad = tensor([1e30], [1]);
    const opt = new Optimizer({ a }, sgd({ eta: 1e300 }));
    expect(() => opt.step()).toThrow(/sgd: step 0 would make parameter 'a' element 0 non-finite/);
    expect([...a.toArray()]).toEqual([1]);
  });
});

/**
 * The reference backend with its reads counted and a device-side assign, as the gpu backend has:
 * the reads the optimizer makes are then exactly its finiteness checks.
 */
function countingBackend(): { backend: Backend; reads: () => number } {
  let reads = 0;
  const backend = Object.assign(Object.create(referenceBackend) as Backend, {
    name: 'counting-reads',
    read(storage: unknown, dtype: 'float32' | 'float64') {
      reads++;
      return referenceBackend.read(storage, dtype);
    },
    assign(target: Tensor, value: Tensor) {
      referenceBackend.write(
        target.storage,
        referenceBackend.read(value.storage, value.dtype),
        target.dtype,
      );
    },
  });
  return { backend, reads: () => reads };
}

describe('the finiteness check without a read per step (checkEvery)', () => {
  function run(checkEvery: number, steps: number, badGradAt = -1) {
    const { backend, reads } = countingBackend();
    const opts = { backend, dtype: 'float64' as const, requiresGrad: true };
    const w = tensor([1, 2, 3], [3], opts);
    const b = tensor([0.5], [1], opts);
    const opt = new Optimizer({ w, b }, momentum({ eta: 0.1, mu: 0.9 }), { checkEvery });
    const before = reads();
    for (let i = 0; i < steps; i++) {
      tidy(() => {
        w.grad = tensor([0.1 * i, -0.2, i === badGradAt ? NaN : 0.3], [3], {
          backend,
          dtype: 'float64',
        });
        b.grad = tensor([1], [1], { backend, dtype: 'float64' });
        opt.step();
        opt.zeroGrad();
      });
    }
    return { opt, w, b, reads: reads() - before };
  }

  it('reads the check once per checkEvery steps, with the same parameters as every step', () => {
    const every = run(1, 20);
    const deferred = run(10, 20);
    expect(every.reads).toBe(20);
    expect(deferred.reads).toBe(2);
    expect(bits(deferred.w.toArray())).toEqual(bits(every.w.toArray()));
    expect(bits(deferred.b.toArray())).toEqual(bits(every.b.toArray()));
  });

  it('a NaN gradient is an error at the next check, naming the steps and the parameter', () => {
    expect(() => run(5, 20, 6)).toThrow(
      /momentum: parameter 'w' element 2 became NaN during steps 5 to 9 \(checked every 5 steps/,
    );
    expect(() => run(1, 20, 6)).toThrow(
      /momentum: non-finite gradient NaN for parameter 'w' \(element 2\)/,
    );
  });

  it('state() checks the steps not checked yet; skipNonFinite needs checkEvery 1', () => {
    const { opt, reads } = run(10, 3);
    expect(reads).toBe(0);
    expect(opt.state().format).toBe('thermograd.optim/2');
    const a = tensor([1], [1], { requiresGrad: true });
    expect(
      () => new Optimizer({ a }, sgd({ eta: 0.1 }), { skipNonFinite: true, checkEvery: 4 }),
    ).toThrow(
      'Optimizer: skipNonFinite decides every step, so it needs checkEvery 1 (got checkEvery 4)',
    );
    expect(() => new Optimizer({ a }, sgd({ eta: 0.1 }), { checkEvery: 0 })).toThrow(
      'Optimizer: checkEvery must be an integer >= 1, got 0',
    );
  });

  it('a NaN gradient that leaves no NaN behind (signSGD maps it to 0) is still an error', () => {
    const { backend } = countingBackend();
    const opts = { backend, dtype: 'float64' as const };
    const w = tensor([1, 2], [2], { ...opts, requiresGrad: true });
    const signSgd: OptimizerPlugin = {
      name: 'sign-sgd',
      init: () => ({ hyper: { step: 0 } }),
      update: (grads, state) => ({
        updates: mapTree(grads, (g) => g.sign().mul(-0.1)),
        state: { hyper: { step: state.hyper.step + 1 } },
      }),
    };
    const opt = new Optimizer({ w }, signSgd, { checkEvery: 3 });
    const step = (g: number[]) =>
      tidy(() => {
        w.grad = tensor(g, [2], opts);
        opt.step();
        opt.zeroGrad();
      });
    step([1, 1]);
    step([NaN, 1]);
    expect(() => step([1, 1])).toThrow(
      /sign-sgd: a non-finite gradient \(NaN or ±Infinity\) during steps 0 to 2 \(checked every 3 steps/,
    );
  });

  it('state() reports a NaN among the steps not checked yet', () => {
    const { backend } = countingBackend();
    const w = tensor([1, 2], [2], { backend, dtype: 'float64', requiresGrad: true });
    const opt = new Optimizer({ w }, sgd({ eta: 0.1 }), { checkEvery: 100 });
    w.grad = tensor([Infinity, 0], [2], { backend, dtype: 'float64' });
    opt.step();
    expect(() => opt.state()).toThrow(
      /sgd: parameter 'w' element 0 became -Infinity during step 0/,
    );
  });
});

describe('checkpoints: JSON round trip resumes bit-identically', () => {
  const configs: [string, (W: Tensor, b: Tensor, full: () => Tensor) => OptimizerPlugin][] = [
    [
      'sgd with a cosine schedule',
      () => sgd({ eta0: cosineSchedule({ init: 0.01, decaySteps: 30 }), batchSize: 8 }),
    ],
    [
      'momentum (PyTorch, Nesterov)',
      () => momentum({ eta: 0.05, mu: 0.9, convention: 'pytorch', nesterov: true }),
    ],
    ['momentum-avg', () => momentumAvg({ eta0: 0.02, batchSize: 8, mu: 0.8 })],
    [
      'langevin with a temperature schedule',
      () => langevin({ eta: 0.05, temperature: (s) => 0.1 / (1 + s), seed: 9 }),
    ],
    [
      'chain(clip, coupled decay, momentum, decoupled decay)',
      () =>
        chain(
          clipByGlobalNorm({ maxNorm: 1 }),
          weightDecay({ lambda: 1e-3 }),
          momentum({ eta: 0.05, mu: 0.9 }),
          weightDecay({ lambda: 1e-2, mode: 'decoupled' }),
        ),
    ],
    [
      'gradient-flow (adaptive dopri5)',
      (W, b, full) =>
        gradientFlow({
          gradient: lossGradient(
            [
              ['fc.weight', W],
              ['fc.bias', b],
            ],
            full,
          ),
          interval: 0.05,
          rtol: 1e-4,
        }),
    ],
  ];

  for (const [label, makePlugin] of configs) {
    it(label, () => {
      const { make, batchLoss, fullLoss } = problem(3);
      // Uninterrupted: 20 steps.
      const ref = make();
      const refOpt = new Optimizer(
        ref.params,
        makePlugin(ref.W, ref.b, () => fullLoss(ref.W, ref.b)),
      );
      train(refOpt, ref.W, ref.b, batchLoss, 0, 20);

      // Interrupted after 10: parameters and optimizer state through JSON text, then fresh objects.
      const first = make();
      const firstOpt = new Optimizer(
        first.params,
        makePlugin(first.W, first.b, () => fullLoss(first.W, first.b)),
      );
      train(firstOpt, first.W, first.b, batchLoss, 0, 10);
      const text = JSON.stringify({
        W: [...first.W.toArray()],
        b: [...first.b.toArray()],
        opt: firstOpt.state(),
      });
      const saved = JSON.parse(text);
      const resumed = make(saved.W, saved.b);
      const resumedOpt = new Optimizer(
        resumed.params,
        makePlugin(resumed.W, resumed.b, () => fullLoss(resumed.W, resumed.b)),
      );
      resumedOpt.loadState(saved.opt);
      expect(resumedOpt.hyper.step).toBe(10);
      train(resumedOpt, resumed.W, resumed.b, batchLoss, 10, 20);

      expect(bits(resumed.W.toArray())).toBe(bits(ref.W.toArray()));
      expect(bits(resumed.b.toArray())).toBe(bits(ref.b.toArray()));
      expect(JSON.stringify(resumedOpt.state())).toBe(JSON.stringify(refOpt.state()));
      // Training did something: the fit moved away from the zero start.
      expect(Math.abs(ref.W.toArray()[0])).toBeGreaterThan(0.05);
    });
  }

  it('loadState refuses a checkpoint of another plugin or other parameters', () => {
    const { make } = problem();
    const a = make();
    const opt = new Optimizer(a.params, sgd({ eta: 0.1 }));
    const other = new Optimizer(a.params, momentum({ eta: 0.1, mu: 0.5 }));
    expect(() => other.loadState(opt.state())).toThrow(
      "Optimizer.loadState: checkpoint is for plugin 'sgd', this optimizer runs 'momentum'",
    );
    const fewer = new Optimizer([a.params[0]], sgd({ eta: 0.1 }));
    expect(() => fewer.loadState(opt.state())).toThrow(
      /parameters differ: checkpoint \[fc.weight:3, fc.bias:1\], optimizer \[fc.weight:3\]/,
    );
  });
});

describe('registry', () => {
  afterEach(() => {
    unregisterPlugin('sign-sgd');
  });

  it('lists the built-ins, and an unknown name lists the known ones', () => {
    expect(pluginNames()).toEqual(
      expect.arrayContaining([
        'sgd',
        'momentum',
        'momentum-avg',
        'langevin',
        'gradient-flow',
        'clip-by-global-norm',
        'clip-by-value',
        'weight-decay',
        'chain',
      ]),
    );
    expect(() => createPlugin('adamx')).toThrow(
      "unknown optimizer plugin 'adamx'; known plugins: chain, clip-by-global-norm, clip-by-value, gradient-flow, langevin, momentum, momentum-avg, sgd, weight-decay",
    );
  });

  it('a plugin defined outside the package registers by name and trains', () => {
    // signSGD (Bernstein et al. 2018): Φ ← Φ − η sign(ĝ), with a step counter in its state.
    const signSgd = (options: { eta: number }): OptimizerPlugin => ({
      name: 'sign-sgd',
      init: () => ({ hyper: { step: 0, eta: options.eta } }),
      update(grads, state) {
        const updates = mapTree(grads, (g) => g.sign().mul(-options.eta));
        return { updates, state: { hyper: { step: state.hyper.step + 1, eta: options.eta } } };
      },
    });
    registerPlugin('sign-sgd', signSgd, { description: 'Φ ← Φ − η sign(ĝ)' });
    expect(() => registerPlugin('sign-sgd', signSgd)).toThrow(
      /'sign-sgd' is already registered; pass \{ override: true \}/,
    );
    expect(pluginNames()).toContain('sign-sgd');

    const { make, batchLoss, fullLoss } = problem(5);
    const { W, b, params } = make();
    const before = fullLoss(W, b).item();
    const opt = Optimizer.byName(params, 'sign-sgd', { eta: 0.01 });
    train(opt, W, b, batchLoss, 0, 100);
    expect(fullLoss(W, b).item()).toBeLessThan(before / 4);
    expect(opt.hyper).toMatchObject({ step: 100, eta: 0.01 });
    // It also composes with the built-ins.
    const chained = createPlugin('chain', {
      plugins: [
        { name: 'clip-by-value', options: { maxValue: 1 } },
        { name: 'sign-sgd', options: { eta: 0.01 } },
      ],
    });
    expect(chained.name).toBe('chain(clip-by-value, sign-sgd)');
  });

  it('swapping the plugin is one name: every built-in optimizer fits the regression', () => {
    const options: Record<string, object> = {
      sgd: { eta0: 0.01, batchSize: 8 },
      momentum: { eta0: 0.01, batchSize: 8, mu: 0.9 },
      'momentum-avg': { eta0: 0.01, batchSize: 8, mu: 0.9 },
      langevin: { eta0: 0.01, batchSize: 8, temperature: 1e-6 },
    };
    for (const [name, opts] of Object.entries(options)) {
      const { make, batchLoss, fullLoss } = problem(7);
      const { W, b, params } = make();
      const before = fullLoss(W, b).item();
      train(Optimizer.byName(params, name, opts), W, b, batchLoss, 0, 150);
      expect(fullLoss(W, b).item(), name).toBeLessThan(before / 20);
    }
  });
});

describe('bad input', () => {
  it('negative or non-finite η, η0, T; μ outside [0, 1); B < 1; eta and eta0 together', () => {
    expect(() => sgd({ eta: -0.1 })).toThrow('sgd: eta must be a finite number >= 0, got -0.1');
    expect(() => sgd({ eta: Infinity })).toThrow(
      'sgd: eta must be a finite number >= 0, got Infinity',
    );
    expect(() => sgd({ eta0: NaN, batchSize: 4 })).toThrow(
      'sgd: eta0 must be a finite number >= 0, got NaN',
    );
    expect(() => langevin({ eta: 0.1, temperature: -1 })).toThrow(
      'langevin: temperature (T) must be a finite number >= 0, got -1',
    );
    expect(() => langevin({ eta: 0.1 })).toThrow(
      'langevin: temperature (T) is required with isotropic noise',
    );
    expect(() => momentum({ eta: 0.1, mu: 1 })).toThrow('momentum: mu must be in [0, 1), got 1');
    expect(() => momentumAvg({ eta: 0.1, mu: -0.1 })).toThrow(
      'momentum-avg: mu must be in [0, 1), got -0.1',
    );
    expect(() => sgd({ eta0: 0.1, batchSize: 0 })).toThrow(
      'sgd: batchSize (B) must be an integer >= 1, got 0',
    );
    expect(() => momentum({ eta0: 0.1, batchSize: 2.5, mu: 0.9 })).toThrow(
      'momentum: batchSize (B) must be an integer >= 1, got 2.5',
    );
    expect(() => sgd({ eta: 0.1, eta0: 0.1, batchSize: 2 })).toThrow(
      'sgd: give exactly one of eta (a learning rate) or eta0 (a temperature, with batchSize)',
    );
    expect(() => sgd({})).toThrow(/sgd: give exactly one of eta/);
    expect(() => momentum({ eta0: 0.1, mu: 0.9 })).toThrow(
      'momentum: eta0 (a temperature) needs batchSize, since η = (1 − μ)·B·η0',
    );
    expect(() => gradientFlow({ gradient: () => ({}), interval: -1 })).toThrow(
      'gradient-flow: interval must be a finite number >= 0, got -1',
    );
    expect(() => clipByGlobalNorm({ maxNorm: 0 })).toThrow(
      'clip-by-global-norm: maxNorm must be a finite number > 0, got 0',
    );
    expect(() => createPlugin('momentum', { eta: 0.1, mu: 1.5 })).toThrow(
      'momentum: mu must be in [0, 1), got 1.5',
    );
  });

  it('a non-finite gradient is an error naming the parameter with every built-in optimizer', () => {
    for (const plugin of [
      sgd({ eta: 0.1 }),
      momentum({ eta: 0.1, mu: 0.5 }),
      momentumAvg({ eta: 0.1, mu: 0.5 }),
      langevin({ eta: 0.1, temperature: 1 }),
      createPlugin('chain', {
        plugins: [
          { name: 'clip-by-value', options: { maxValue: 1 } },
          { name: 'sgd', options: { eta: 0.1 } },
        ],
      }),
    ]) {
      const w = tensor([1, 2], [2], { dtype: 'float64', requiresGrad: true });
      w.grad = tensor([0, Infinity], [2], { dtype: 'float64' });
      expect(() => new Optimizer({ w }, plugin).step()).toThrow(
        `${plugin.name}: non-finite gradient Infinity for parameter 'w' (element 1)`,
      );
      expect([...w.toArray()]).toEqual([1, 2]);
    }
  });

  it('an update that is not a tensor of the parameter (an array, another dtype) is a clear error', () => {
    const w = tensor([1, 2], [2], { dtype: 'float32', requiresGrad: true });
    w.grad = tensor([1, 1], [2], { dtype: 'float32' });
    const returning = (u: (g: Tensor) => unknown): OptimizerPlugin => ({
      name: 'odd',
      init: () => ({ hyper: { step: 0 } }),
      update: (grads, state) => ({
        updates: { w: u(grads.w) } as UpdateTree,
        state: { hyper: { step: state.hyper.step + 1 } },
      }),
    });
    expect(() =>
      new Optimizer(
        { w },
        returning((g) => g.toArray()),
      ).step(),
    ).toThrow(
      "odd: the update for parameter 'w' is not a tensor; expected a tensor of 2 values of float32",
    );
    expect(() =>
      new Optimizer(
        { w },
        returning(() => tensor([1, 1], [2], { dtype: 'float64' })),
      ).step(),
    ).toThrow("odd: the update for parameter 'w' is 2 values of float64");
    expect([...w.toArray()]).toEqual([1, 2]);
  });
});
