/**
 * --sampling: minibatches from shuffled epochs (default) or drawn with replacement; a run with
 * replacement resumes bit-identically, and the flag rejects unknown modes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint.js';
import { main } from '../src/cli.js';
import { DEFAULTS, type TrainConfig } from '../src/config.js';
import { train } from '../src/train.js';

const tiny: TrainConfig = {
  ...DEFAULTS,
  hidden: [8],
  batch: 32,
  epochs: 2,
  limit: 400,
  validation: 100,
  logEvery: 5,
  evalSize: 100,
  seed: 3,
  backend: 'fast',
};
const quiet = { progress: 'none' as const, log: () => {}, plots: false };
const tmp = () => mkdtempSync(join(tmpdir(), 'thermograd-sampling-'));
type Saved = { model: Record<string, { values: number[] }>; batcher: { sampling?: string } };
const weights = (dir: string) => {
  const c = loadCheckpoint<Saved>(join(dir, 'checkpoint.json'));
  return { values: Object.values(c.model).flatMap((p) => p.values), batcher: c.batcher };
};

describe('--sampling', () => {
  it('replacement: other batches than shuffled epochs, saved in the checkpoint, resumed bit-identically', async () => {
    const config = { ...tiny, sampling: 'replacement' as const };
    const whole = tmp();
    await train(config, { out: whole, ...quiet });
    const parts = tmp();
    await train(config, { out: parts, ...quiet, stopAfterSteps: 7 });
    await train(config, { out: parts, ...quiet, resume: join(parts, 'checkpoint.json') });
    const a = weights(whole);
    expect(a.batcher.sampling).toBe('replacement');
    expect(Float32Array.from(weights(parts).values)).toEqual(Float32Array.from(a.values));
    const shuffled = tmp();
    await train({ ...tiny }, { out: shuffled, ...quiet });
    expect(weights(shuffled).batcher.sampling).toBe('shuffle');
    expect(weights(shuffled).values).not.toEqual(a.values);
  });

  it('rejects an unknown mode', async () => {
    const errors: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      errors.push(String(chunk));
      return true;
    });
    try {
      expect(await main(['--sampling', 'bootstrap'])).not.toBe(0);
    } finally {
      vi.restoreAllMocks();
    }
    expect(errors.join('')).toMatch(
      /argument 'bootstrap' is invalid. Allowed choices are shuffle, replacement/,
    );
  });
});
