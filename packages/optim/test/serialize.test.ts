import { describe, expect, it } from 'vitest';
import { Generator, Tensor, tensor } from '@thermograd/autograd';
// Registers the WebAssembly backend ('fast'), the other backend a state is loaded onto here.
import '@thermograd/backend-wasm';
import { base64ToBytes, bytesToBase64 } from '../src/serialize.js';
import { stateFromJSON, stateToJSON } from '../src/index.js';
import { bits } from './helpers.js';

describe('state codec', () => {
  it('round-trips typed arrays, −0, NaN, ±Infinity and nested plain data bit for bit through JSON text', () => {
    const f64 = Float64Array.of(0.1, -0, NaN, Infinity, -Infinity, 5e-324, 1.7976931348623157e308);
    const f32 = Float32Array.of(0.1, -0, 3.4028234663852886e38, 1e-45);
    const state = {
      hyper: { step: 3, eta: 0.1, t: -0 },
      parts: [{ v: f64 }, { v: f32, flag: true, name: 'x', none: null }],
      n: NaN,
    };
    const back = stateFromJSON<typeof state>(JSON.parse(JSON.stringify(stateToJSON(state))));
    expect(back.parts[0].v).toBeInstanceOf(Float64Array);
    expect(back.parts[1].v).toBeInstanceOf(Float32Array);
    expect(bits(back.parts[0].v)).toBe(bits(f64));
    expect(bits(back.parts[1].v)).toBe(bits(f32));
    expect(Object.is(back.hyper.t, -0)).toBe(true);
    expect(back.n).toBeNaN();
    expect(back.parts[1]).toMatchObject({ flag: true, name: 'x', none: null });
  });

  it('round-trips tensors bit for bit, onto the backend it is given, with their dtype and shape', () => {
    const values = [0.1, -0, NaN, -Infinity, 5e-324, 3];
    for (const dtype of ['float32', 'float64'] as const) {
      const t = tensor(values, [2, 3], { dtype, backend: 'fast' });
      const text = JSON.stringify(stateToJSON({ hyper: { step: 1 }, velocity: { w: t } }));
      const back = stateFromJSON<{ velocity: { w: Tensor } }>(JSON.parse(text), {
        backend: 'reference',
      }).velocity.w;
      expect(back).toBeInstanceOf(Tensor);
      expect(back.backend.name).toBe('reference');
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual([2, 3]);
      expect(bits(back.toArray())).toBe(bits(t.toArray()));
    }
    expect(() => stateFromJSON({ $tensor: { shape: [2], values: [1, 2] } })).toThrow(
      'stateFromJSON: a $tensor needs a numeric shape and $f64 or $f32 values',
    );
  });

  it('a generator state survives and continues the same sequence', () => {
    const g = new Generator(4);
    g.normal();
    const copy = new Generator(stateFromJSON(JSON.parse(JSON.stringify(stateToJSON(g.state())))));
    expect([copy.normal(), copy.normal(), copy.uniform()]).toEqual([
      g.normal(),
      g.normal(),
      g.uniform(),
    ]);
  });

  it('base64 of every length remainder', () => {
    for (let n = 0; n < 10; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) & 255);
      const text = bytesToBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect([...base64ToBytes(text)]).toEqual([...bytes]);
    }
  });

  it('refuses what is not plain data, naming where it is', () => {
    expect(() => stateToJSON({ hyper: { step: 0 }, cache: new Map() })).toThrow(
      'stateToJSON: state.cache is a Map, which is not plain serialisable data',
    );
    expect(() => stateToJSON({ f: () => 1 })).toThrow(
      'stateToJSON: state.f is a function, which is not plain serialisable data',
    );
  });
});
