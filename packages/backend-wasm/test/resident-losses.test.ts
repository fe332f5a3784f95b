/**
 * Training losses on the fast backend, bit for bit, against values recorded before tensors moved
 * into wasm memory (src/wasm-memory.ts): storage placement must not change a single bit of a CNN
 * or an MLP training step, whether the steps run inside tidy (storage recycled) or not, and whether
 * storage lives in wasm memory or in plain arrays (the path without shared memory).
 */
import { describe, expect, it } from 'vitest';
import { Generator, nn, tidy } from '@thermograd/autograd';
import '../src/index.js';
import { setResidentStorage } from '../src/buffer-pool.js';
import { trainer } from './trainer.js';

function cnn(seed: number) {
  const rng = new Generator(seed);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 8, 5, { rng }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 5, { rng }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(16 * 4 * 4, 64, { rng }),
    new nn.ReLU(),
    new nn.Linear(64, 10, { rng }),
  );
  return trainer(model, [16, 1, 28, 28], seed + 1);
}

function mlp(seed: number) {
  const rng = new Generator(seed);
  const model = new nn.Sequential(
    new nn.Linear(784, 256, { rng }),
    new nn.ReLU(),
    new nn.Linear(256, 10, { rng }),
  );
  return trainer(model, [64, 784], seed + 1);
}

/** Recorded on main before the change (same seeds, same code below). */
const RECORDED: Record<string, number[]> = {
  cnn: [
    2.331918716430664, 2.3138983249664307, 2.2956902980804443, 2.2771830558776855,
    2.258089065551758, 2.237741231918335, 2.2177164554595947, 2.1949286460876465,
  ],
  mlp: [
    2.3347580432891846, 2.2684741020202637, 2.2231974601745605, 2.1886887550354004,
    2.161756992340088, 2.1398584842681885, 2.1216204166412354, 2.106071710586548,
  ],
};

describe('training losses on the fast backend, against values recorded from in-JavaScript storage', () => {
  for (const [name, make] of [
    ['cnn', cnn],
    ['mlp', mlp],
  ] as const) {
    for (const resident of [true, false]) {
      it(`${name}, ${resident ? 'storage in wasm memory' : 'plain arrays'}: four steps plain, four inside tidy`, () => {
        const was = setResidentStorage(resident);
        try {
          const step = make(3);
          const losses: number[] = [];
          for (let s = 0; s < 4; s++) losses.push(step());
          for (let s = 0; s < 4; s++) losses.push(tidy(step));
          expect(losses).toEqual(RECORDED[name]);
        } finally {
          setResidentStorage(was);
        }
      });
    }
  }
});
