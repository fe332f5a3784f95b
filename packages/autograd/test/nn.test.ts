import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { nn, Generator, Tensor } from '../src/index.js';
import { expectGradientsMatch, rand64 } from './helpers.js';

const f64 = { dtype: 'float64' as const };

describe('linear op', () => {
  it('gradients match central differences, with and without bias', () => {
    const x = rand64([4, 3], 1);
    const w = rand64([5, 3], 2);
    const b = rand64([5], 3);
    expectGradientsMatch((x, w, b) => tg.linear(x, w, b), [x, w, b]);
    expectGradientsMatch((x, w) => tg.linear(x, w), [x, w]);
    expectGradientsMatch((x, w) => x.linear(w, null), [x, w]);
  });

  it('gradients match for x with extra middle axes [B, T, in]', () => {
    expectGradientsMatch(
      (x, w, b) => tg.linear(x, w, b),
      [rand64([2, 3, 4], 4), rand64([2, 4], 5), rand64([2], 6)],
    );
  });

  it('forward on a hand-computed case: x·Wᵀ + b', () => {
    const x = tg.tensor(
      [
        [1, 2],
        [3, -1],
      ],
      undefined,
      f64,
    );
    const w = tg.tensor(
      [
        [1, 0],
        [2, 1],
        [0, -1],
      ],
      undefined,
      f64,
    ); // [out 3, in 2]
    const b = tg.tensor([10, 20, 30], undefined, f64);
    expect(tg.linear(x, w, b).shape).toEqual([2, 3]);
    expect(tg.linear(x, w, b).toArray()).toBeAllClose([11, 24, 28, 13, 25, 31], {
      rtol: 1e-15,
      atol: 1e-15,
    });
    expect(tg.linear(x, w).toArray()).toBeAllClose([1, 4, -2, 3, 5, 1], {
      rtol: 1e-15,
      atol: 1e-15,
    });
  });

  it('agrees with matmul + add', () => {
    const x = rand64([6, 5], 7);
    const w = rand64([4, 5], 8);
    const b = rand64([4], 9);
    expect(tg.linear(x, w, b).toArray()).toBeAllClose(
      tg.add(tg.matmul(x, w, { transposeB: true }), b).toArray(),
      { rtol: 1e-14, atol: 1e-14 },
    );
  });

  it('names the shapes in its errors', () => {
    const x = rand64([4, 3], 1);
    expect(() => tg.linear(x, rand64([5, 2], 2))).toThrow(
      'linear: x [4,3], weight [5,2]: x has 3 features, weight expects 2',
    );
    expect(() => tg.linear(x, rand64([5, 3], 2), rand64([4], 3))).toThrow(/bias must be \[5\]/);
    expect(() => tg.linear(rand64([3], 1), rand64([5, 3], 2))).toThrow(/x must be \[batch, in\]/);
    expect(() => tg.linear(x, rand64([5, 3, 1], 2))).toThrow(/weight must be \[out, in\]/);
    expect(() => tg.linear(x, tg.zeros([5, 3], { dtype: 'float32' }))).toThrow(/dtypes differ/);
  });
});

class MLP extends tg.Module {
  fc1: tg.Linear;
  act = new tg.ReLU();
  fc2: tg.Linear;
  constructor(rng: Generator) {
    super();
    this.fc1 = new tg.Linear(2, 8, { rng, dtype: 'float64' });
    this.fc2 = new tg.Linear(8, 3, { rng, bias: false, dtype: 'float64' });
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x)));
  }
}

describe('Module', () => {
  it('Sequential names parameters by position, in order, and sets each tensor’s name', () => {
    const rng = new Generator(0);
    const model = new tg.Sequential(
      new tg.Linear(3, 4, { rng }),
      new tg.ReLU(),
      new tg.Linear(4, 2, { rng }),
    );
    const named = model.namedParameters();
    expect(named.map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(named.map(([, p]) => p.shape)).toEqual([[4, 3], [4], [2, 4], [2]]);
    for (const [name, p] of named) {
      expect(p.name).toBe(name);
      expect(p.requiresGrad).toBe(true);
    }
    expect(model.length).toBe(3);
    expect(model.at(-1)).toBeInstanceOf(tg.Linear);
    expect([...model].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear']);
    expect(model.numParameters()).toBe(4 * 3 + 4 + 2 * 4 + 2);
  });

  it('Sequential with more than ten modules keeps numeric order', () => {
    const rng = new Generator(0);
    const layers = Array.from({ length: 12 }, () => new tg.Linear(2, 2, { rng, bias: false }));
    const names = new tg.Sequential(...layers).namedParameters().map(([n]) => n);
    expect(names).toEqual(layers.map((_, i) => `${i}.weight`));
  });

  it('discovers fields of a custom module, nested and in arrays, in PyTorch’s order', () => {
    class Block extends tg.Module {
      inner = new tg.Sequential(new tg.Linear(2, 2, { rng: new Generator(1) }));
      scale = tg.parameter(tg.ones([2]));
      notAParameter = tg.ones([2]); // a plain tensor field is not registered, as in PyTorch
      forward(x: Tensor) {
        return this.inner.forward(x).mul(this.scale);
      }
    }
    class Net extends tg.Module {
      head = new tg.Linear(2, 1, { rng: new Generator(2) });
      blocks = [new Block(), new Block()];
      forward(x: Tensor) {
        return this.head.forward(this.blocks.reduce((h, b) => b.forward(h), x));
      }
    }
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'head.weight',
      'head.bias',
      // As PyTorch: a module's own parameters first, then its submodules' (so 'scale' precedes 'inner').
      'blocks.0.scale',
      'blocks.0.inner.0.weight',
      'blocks.0.inner.0.bias',
      'blocks.1.scale',
      'blocks.1.inner.0.weight',
      'blocks.1.inner.0.bias',
    ]);
    expect(net.namedModules().map(([n]) => n)).toEqual([
      '',
      'head',
      'blocks.0',
      'blocks.0.inner',
      'blocks.0.inner.0',
      'blocks.1',
      'blocks.1.inner',
      'blocks.1.inner.0',
    ]);
    expect(net.forward(tg.ones([5, 2])).shape).toEqual([5, 1]);
  });

  it('lists a parameter shared by two modules once', () => {
    const rng = new Generator(3);
    const a = new tg.Linear(2, 2, { rng });
    const b = new tg.Linear(2, 2, { rng });
    b.weight = a.weight;
    const model = new tg.Sequential(a, b);
    expect(model.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.bias']);
  });

  it('registerParameter and registerModule add run-time names and validate them', () => {
    class Dyn extends tg.Module {
      constructor() {
        super();
        this.registerParameter('alpha', tg.zeros([1]));
        this.registerModule('proj', new tg.Linear(1, 1, { rng: new Generator(0) }));
      }
      forward(x: Tensor) {
        return x;
      }
    }
    const m = new Dyn();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['alpha', 'proj.weight', 'proj.bias']);
    expect(() => m.registerParameter('a.b', tg.zeros([1]))).toThrow(/without '\.'/);
    expect(() => m.registerModule('', new tg.ReLU())).toThrow(/non-empty/);
    expect(() => tg.parameter(tg.ones([2]).requireGrad().mul(2))).toThrow(/must be a leaf/);
  });

  it('train() and eval() reach every submodule', () => {
    const model = new MLP(new Generator(0));
    expect(model.modules().every((m) => m.training)).toBe(true);
    model.eval();
    expect(model.modules().map((m) => m.training)).toEqual([false, false, false, false]);
    model.train();
    expect(model.modules().every((m) => m.training)).toBe(true);
  });

  it('zeroGrad clears gradients and per-example records', () => {
    const model = new MLP(new Generator(0));
    const x = rand64([4, 2], 1);
    tg.crossEntropy(model.forward(x), [0, 1, 2, 0]).backward(undefined, { perExample: 'norms' });
    expect(model.parameters().every((p) => p.grad !== null && p.perExample !== null)).toBe(true);
    model.zeroGrad();
    expect(model.parameters().every((p) => p.grad === null && p.perExample === null)).toBe(true);
  });

  it('to(dtype) converts every parameter', () => {
    const model = new tg.Sequential(
      new tg.Linear(2, 3, { rng: new Generator(0), dtype: 'float64' }),
    );
    const before = model.parameters().map((p) => Array.from(p.toArray()));
    model.to('float32');
    const after = model.namedParameters();
    expect(after.map(([, p]) => p.dtype)).toEqual(['float32', 'float32']);
    after.forEach(([, p], i) =>
      expect(p.toArray()).toBeAllClose(before[i], { rtol: 1e-7, atol: 1e-7 }),
    );
    expect(model.forward(tg.ones([1, 2], { dtype: 'float32' })).dtype).toBe('float32');
  });

  it('prints a PyTorch-like tree', () => {
    const model = new tg.Sequential(new tg.Linear(2, 3, { rng: new Generator(0) }), new tg.ReLU());
    expect(model.toString()).toBe(
      'Sequential(\n  (0): Linear(in=2, out=3, bias=true)\n  (1): ReLU()\n)',
    );
  });
});

describe('state dicts', () => {
  it('round-trips through JSON bit for bit, in float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const a = new tg.Sequential(
        new tg.Linear(3, 4, { rng: new Generator(1), dtype }),
        new tg.Tanh(),
        new tg.Linear(4, 2, { rng: new Generator(2), dtype }),
      );
      const b = new tg.Sequential(
        new tg.Linear(3, 4, { rng: new Generator(3), dtype }),
        new tg.Tanh(),
        new tg.Linear(4, 2, { rng: new Generator(4), dtype }),
      );
      const dict = JSON.parse(JSON.stringify(a.stateDict())) as tg.StateDict;
      expect(Object.keys(dict)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
      expect(dict['0.weight'].shape).toEqual([4, 3]);
      expect(b.loadStateDict(dict)).toEqual({ missing: [], unexpected: [] });
      const pa = a.parameters();
      b.parameters().forEach((p, i) =>
        expect(Array.from(p.toArray())).toEqual(Array.from(pa[i].toArray())),
      );
      const x = rand64([2, 3], 5);
      const xd = dtype === 'float64' ? x : tg.tensor(x.toArray(), x.shape, { dtype });
      expect(Array.from(b.forward(xd).toArray())).toEqual(Array.from(a.forward(xd).toArray()));
    }
  });

  it('strict loading lists missing, unexpected and mis-shaped entries and changes nothing', () => {
    const model = new tg.Sequential(
      new tg.Linear(3, 4, { rng: new Generator(1) }),
      new tg.Linear(4, 2, { rng: new Generator(2) }),
    );
    const before = model.stateDict();
    const dict = model.stateDict();
    delete dict['1.bias'];
    dict['2.weight'] = { shape: [1], values: [0] };
    dict['0.weight'] = { shape: [3, 4], values: new Array(12).fill(0) };
    dict['0.bias'] = { shape: [4], values: [9, 9, 9, 9] };
    let error: unknown;
    try {
      model.loadStateDict(dict);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(tg.StateDictError);
    const err = error as tg.StateDictError;
    expect(err.missing).toEqual(['1.bias']);
    expect(err.unexpected).toEqual(['2.weight']);
    expect(err.misshaped).toEqual(['0.weight']);
    expect(err.message).toContain("missing keys: '1.bias'");
    expect(err.message).toContain("unexpected keys: '2.weight'");
    expect(err.message).toContain("'0.weight': shape [3,4] in the dict, [4,3] in the model");
    expect(model.stateDict()).toEqual(before); // '0.bias' was valid but nothing was written
  });

  it('non-strict loading loads matching keys and reports the rest; shapes must still match', () => {
    const model = new tg.Sequential(new tg.Linear(2, 2, { rng: new Generator(1) }));
    const result = model.loadStateDict(
      { '0.bias': { shape: [2], values: [5, 6] }, extra: { shape: [1], values: [1] } },
      { strict: false },
    );
    expect(result).toEqual({ missing: ['0.weight'], unexpected: ['extra'] });
    expect(Array.from(model.namedParameters()[1][1].toArray())).toEqual([5, 6]);
    expect(() =>
      model.loadStateDict({ '0.bias': { shape: [2], values: [1] } }, { strict: false }),
    ).toThrow(/'0.bias': 1 values for 2 elements/);
    expect(() =>
      model.loadStateDict({ '0.bias': { shape: [2], values: [1, 'x'] } } as never, {
        strict: false,
      }),
    ).toThrow(/value 1 is not a number/);
    expect(() => model.loadStateDict(null as never)).toThrow(/expected an object/);
  });
});

describe('layers', () => {
  it('every randomly initialised layer requires a seeded generator', () => {
    expect(() => new tg.Linear(2, 3, {} as never)).toThrow(
      /Linear: pass a seeded generator as \{ rng \}/,
    );
    expect(() => new tg.Linear(2, 3, undefined as never)).toThrow(/no hidden global RNG/);
    expect(() => new tg.Conv2d(1, 2, 3, { rng: Math.random } as never)).toThrow(
      /Conv2d: pass a seeded generator/,
    );
    expect(() => new tg.Dropout(0.5, {} as never)).toThrow(/Dropout: pass a seeded generator/);
    expect(() => new tg.Linear(0, 3, { rng: new Generator(0) })).toThrow(
      /inFeatures must be a positive integer, got 0/,
    );
    expect(() => new tg.Conv2d(1, 2, 0, { rng: new Generator(0) })).toThrow(/kernelSize/);
    expect(() => new tg.Dropout(1, { rng: new Generator(0) })).toThrow(/\[0, 1\)/);
  });

  it('same seed, same weights; another seed, other weights', () => {
    const make = (seed: number) =>
      new tg.Sequential(
        new tg.Conv2d(2, 3, 3, { rng: new Generator(seed) }),
        new tg.Flatten(),
        new tg.Linear(12, 2, { rng: new Generator(seed + 100) }),
      );
    const a = make(7).stateDict();
    expect(make(7).stateDict()).toEqual(a);
    expect(make(8).stateDict()).not.toEqual(a);
  });

  it('Linear: PyTorch default init bounds, U(±1/√in) for weight and bias', () => {
    const layer = new tg.Linear(400, 300, { rng: new Generator(1), dtype: 'float64' });
    const bound = 1 / Math.sqrt(400);
    for (const p of [layer.weight, layer.bias!]) {
      const v = p.toArray();
      const max = Math.max(...v.map(Math.abs));
      expect(max).toBeLessThanOrEqual(bound);
      expect(max).toBeGreaterThan(0.99 * bound);
    }
    // Var U(±b) = b²/3; 120,000 draws: relative standard error of the variance ≈ 0.4 %.
    const w = Array.from(layer.weight.toArray());
    const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
    expect(Math.abs(variance / ((bound * bound) / 3) - 1)).toBeLessThan(0.02);
    expect(new tg.Linear(2, 3, { rng: new Generator(0), bias: false }).bias).toBeNull();
  });

  it('Conv2d: weight [outC, inC, KH, KW] with bound 1/√(inC·KH·KW), forward equals conv2d', () => {
    const conv = new tg.Conv2d(3, 4, [3, 2], {
      rng: new Generator(2),
      stride: 2,
      padding: 1,
      dtype: 'float64',
    });
    expect(conv.weight.shape).toEqual([4, 3, 3, 2]);
    expect(conv.bias!.shape).toEqual([4]);
    const bound = 1 / Math.sqrt(3 * 3 * 2);
    expect(Math.max(...conv.weight.toArray().map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...conv.bias!.toArray().map(Math.abs))).toBeLessThanOrEqual(bound);
    const x = rand64([2, 3, 5, 4], 3);
    expect(Array.from(conv.forward(x).toArray())).toEqual(
      Array.from(tg.conv2d(x, conv.weight, conv.bias, { stride: 2, padding: 1 }).toArray()),
    );
  });

  it('pooling, activation and flatten layers apply their ops', () => {
    const x = rand64([2, 3, 4, 4], 4);
    expect(Array.from(new tg.MaxPool2d(2).forward(x).toArray())).toEqual(
      Array.from(tg.maxPool2d(x, 2).toArray()),
    );
    expect(Array.from(new tg.AvgPool2d(3, 1, 1).forward(x).toArray())).toEqual(
      Array.from(tg.avgPool2d(x, 3, 1, 1).toArray()),
    );
    expect(new tg.MaxPool2d(2).stride).toEqual([2, 2]);
    const pairs: [tg.Module, (t: Tensor) => Tensor][] = [
      [new tg.ReLU(), tg.relu],
      [new tg.LeakyReLU(0.2), (t) => tg.leakyRelu(t, 0.2)],
      [new tg.Tanh(), tg.tanh],
      [new tg.Sigmoid(), tg.sigmoid],
      [new tg.GELU(), tg.gelu],
    ];
    for (const [layer, f] of pairs)
      expect(Array.from(layer.forward(x).toArray())).toEqual(Array.from(f(x).toArray()));
    expect(new tg.LeakyReLU().negativeSlope).toBe(0.01);
    expect(new tg.Flatten().forward(x).shape).toEqual([2, 48]);
    expect(new tg.Flatten(0, 1).forward(x).shape).toEqual([6, 4, 4]);
  });

  it('Dropout drops in training mode and passes through in eval mode', () => {
    const drop = new tg.Dropout(0.5, { rng: new Generator(5) });
    const x = tg.ones([1000], f64);
    const y = drop.forward(x).toArray();
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => v === 2)).toBe(true);
    expect(Math.abs(kept.length - 500)).toBeLessThan(80); // ±5 standard deviations
    const model = new tg.Sequential(drop);
    model.eval();
    expect(model.forward(x)).toBe(x);
    // Same seed, same masks.
    const again = new tg.Dropout(0.5, { rng: new Generator(5) }).forward(x).toArray();
    expect(Array.from(again)).toEqual(Array.from(y));
  });
});

describe('init', () => {
  const rng = () => new Generator(11);

  it('fans as PyTorch: dense [out, in] and conv [outC, inC, KH, KW]', () => {
    expect(nn.calculateFans([5, 3])).toEqual([3, 5]);
    expect(nn.calculateFans([8, 4, 3, 2])).toEqual([4 * 6, 8 * 6]);
    expect(() => nn.calculateFans([5])).toThrow(/at least 2 dimensions, got \[5\]/);
  });

  it('gains as torch.nn.init.calculate_gain', () => {
    expect(nn.calculateGain('linear')).toBe(1);
    expect(nn.calculateGain('sigmoid')).toBe(1);
    expect(nn.calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(nn.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 15);
    expect(nn.calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(nn.calculateGain('leakyRelu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
    expect(nn.calculateGain('selu')).toBe(0.75);
    expect(() => nn.calculateGain('swish' as never)).toThrow(/unknown nonlinearity 'swish'/);
  });

  function stats(t: Tensor): { maxAbs: number; mean: number; variance: number } {
    const v = Array.from(t.toArray());
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
    return { maxAbs: v.reduce((m, x) => Math.max(m, Math.abs(x)), 0), mean, variance };
  }

  // 256·64·3·3 = 147,456 draws: the variance's relative standard error is below 0.5 % (normal) and
  // 0.3 % (uniform), so 3 % is far outside chance yet catches any wrong factor.
  const shape = [256, 64, 3, 3];
  const fanIn = 64 * 9;
  const fanOut = 256 * 9;

  it('kaimingUniform: bound gain·√(3/fan), variance gain²/fan, fanIn or fanOut', () => {
    const t = nn.kaimingUniform(shape, { rng: rng(), nonlinearity: 'relu', dtype: 'float64' });
    const s = stats(t);
    const bound = Math.SQRT2 * Math.sqrt(3 / fanIn);
    expect(s.maxAbs).toBeLessThanOrEqual(bound);
    expect(s.maxAbs).toBeGreaterThan(0.999 * bound);
    expect(Math.abs(s.variance / (2 / fanIn) - 1)).toBeLessThan(0.03);
    expect(Math.abs(s.mean)).toBeLessThan(5 * Math.sqrt(2 / fanIn / t.size));
    const out = stats(
      nn.kaimingUniform(shape, {
        rng: rng(),
        nonlinearity: 'relu',
        mode: 'fanOut',
        dtype: 'float64',
      }),
    );
    expect(Math.abs(out.variance / (2 / fanOut) - 1)).toBeLessThan(0.03);
    // Default: leakyRelu with a = 0, the same gain as relu.
    expect(Array.from(nn.kaimingUniform([3, 4], { rng: rng() }).toArray())).toEqual(
      Array.from(nn.kaimingUniform([3, 4], { rng: rng(), nonlinearity: 'relu' }).toArray()),
    );
  });

  it('kaimingNormal: std gain/√fan', () => {
    const s = stats(
      nn.kaimingNormal(shape, { rng: rng(), nonlinearity: 'tanh', dtype: 'float64' }),
    );
    expect(Math.abs(s.variance / ((5 / 3) ** 2 / fanIn) - 1)).toBeLessThan(0.03);
  });

  it('xavierUniform and xavierNormal: variance gain²·2/(fan_in + fan_out)', () => {
    const target = (gain: number) => (gain * gain * 2) / (fanIn + fanOut);
    const u = stats(nn.xavierUniform(shape, { rng: rng(), gain: 2, dtype: 'float64' }));
    expect(u.maxAbs).toBeLessThanOrEqual(2 * Math.sqrt(6 / (fanIn + fanOut)));
    expect(Math.abs(u.variance / target(2) - 1)).toBeLessThan(0.03);
    const n = stats(nn.xavierNormal(shape, { rng: rng(), dtype: 'float64' }));
    expect(Math.abs(n.variance / target(1) - 1)).toBeLessThan(0.03);
  });

  it('fills an existing parameter in place', () => {
    const layer = new tg.Linear(4, 3, { rng: new Generator(0) });
    const w = layer.weight;
    const returned = nn.xavierUniform(layer.weight, { rng: new Generator(1) });
    expect(returned).toBe(w);
    expect(layer.weight).toBe(w);
    expect(Array.from(w.toArray())).toEqual(
      Array.from(nn.xavierUniform([3, 4], { rng: new Generator(1), dtype: 'float32' }).toArray()),
    );
  });

  it('requires a seeded generator and valid arguments', () => {
    expect(() => nn.kaimingUniform([3, 4], {} as never)).toThrow(
      /kaimingUniform: pass a seeded generator as \{ rng \}/,
    );
    expect(() => nn.xavierNormal([3, 4], { rng: rng(), gain: -1 })).toThrow(
      /gain must be a finite number ≥ 0/,
    );
    expect(() => nn.kaimingNormal([3, 4], { rng: rng(), mode: 'fan_in' as never })).toThrow(
      /mode must be 'fanIn' or 'fanOut'/,
    );
    expect(() => nn.kaimingNormal([0, 4, 2], { rng: rng(), mode: 'fanOut' })).toThrow(
      /fanOut of \[0,4,2\] is 0/,
    );
  });
});
