import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getBackend, setBackend } from '@thermograd/autograd';
import { loadCheckpoint } from '../src/checkpoint.js';
import { registerPlugin, sgd, unregisterPlugin } from '@thermograd/optim';
import { DEFAULTS, buildPlugin, validateConfig } from '../src/config.js';
import { train, type MetricRecord } from '../src/train.js';
import { tinyConfig } from './helpers/tiny-config.js';

const tiny = tinyConfig;

const quiet = { progress: 'none' as const, log: () => {}, plots: false };
const tmp = () => mkdtempSync(join(tmpdir(), 'thermograd-demo-'));

/** Metrics without the wall-clock fields, which legitimately differ between runs. */
const deterministic = (m: MetricRecord[]) =>
  m.map(({ examplesPerSec: _e, wallSeconds: _w, ...rest }) => rest);

describe('training runs', () => {
  it('resuming from a checkpoint is bit-identical to the uninterrupted run', async () => {
    for (const optimizer of ['momentum', 'langevin'] as const) {
      const config = {
        ...tiny,
        optimizer,
        ...(optimizer === 'langevin' ? { mu: DEFAULTS.mu } : {}),
      };
      const whole = tmp();
      await train(config, { out: whole, ...quiet });
      const parts = tmp();
      const first = await train(config, { out: parts, ...quiet, stopAfterSteps: 23 });
      expect(first.stoppedEarly).toBe(true);
      expect(first.steps).toBe(23);
      await train(config, { out: parts, ...quiet, resume: join(parts, 'checkpoint.json') });
      const a = loadCheckpoint<{
        model: Record<string, { values: number[] }>;
        metrics: MetricRecord[];
      }>(join(whole, 'checkpoint.json'));
      const b = loadCheckpoint<{
        model: Record<string, { values: number[] }>;
        metrics: MetricRecord[];
      }>(join(parts, 'checkpoint.json'));
      expect(Object.keys(b.model)).toEqual(Object.keys(a.model));
      for (const name of Object.keys(a.model)) {
        const x = Float32Array.from(a.model[name].values);
        const y = Float32Array.from(b.model[name].values);
        expect(
          Buffer.from(y.buffer).equals(Buffer.from(x.buffer)),
          `${optimizer}: ${name} differs`,
        ).toBe(true);
      }
      expect(deterministic(b.metrics)).toEqual(deterministic(a.metrics));
    }
  });

  it('writes metrics, summary, checkpoint, plots and the HTML report', async () => {
    const out = tmp();
    const summary = await train(
      { ...tiny, epochs: 2, schedule: 'constant' },
      { out, progress: 'none', log: () => {} },
    );
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricRecord);
    expect(lines.length).toBeGreaterThan(2);
    for (const key of [
      'step',
      'epoch',
      'loss',
      'trainAccuracy',
      'valAccuracy',
      'testAccuracy',
      'eta0',
      'eta',
      'noiseScale',
    ]) {
      expect(lines[0]).toHaveProperty(key);
    }
    // η = (1 − μ)·B·η0 for momentum.
    expect(lines[0].eta!).toBeCloseTo((1 - tiny.mu) * tiny.batch * lines[0].eta0!, 12);
    expect(lines.at(-1)!.testAccuracy).not.toBeNull();
    expect(lines.some((l) => l.noiseScale !== null && l.noiseScale > 0)).toBe(true);
    const saved = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(saved.finalTestAccuracy).toBe(summary.finalTestAccuracy);
    expect(saved.config.seed).toBe(7);
    expect(saved.versions.node).toBe(process.versions.node);
    for (const f of ['loss.svg', 'accuracy.svg', 'temperature.svg', 'noise-scale.svg']) {
      expect(readFileSync(join(out, f), 'utf8')).toMatch(/^<svg/);
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('test accuracy');
    // Far better than chance (10%) after two short epochs on 600 examples.
    expect(summary.finalTestAccuracy).toBeGreaterThan(0.5);
  });

  it('trains on the gpu.js backend (cpu mode here) without leaking buffers between steps', async () => {
    const out = tmp();
    const summary = await train(
      {
        ...tiny,
        backend: 'gpu',
        gpuMode: 'cpu',
        epochs: 1,
        limit: 400,
        validation: 100,
        evalSize: 50,
      },
      { out, ...quiet },
    );
    expect(summary.steps).toBe(9);
    expect(summary.finalTestAccuracy).toBeGreaterThan(0.15);
    const gpu = getBackend('gpu') as unknown as { liveBuffers(): number };
    // 4 parameter tensors (and what the last scope returned) stay; 9 steps without tidy would leave hundreds.
    expect(gpu.liveBuffers()).toBeLessThan(20);
    setBackend('fast');
  });

  it('a stop request (Ctrl-C) set from a timer ends the run after the current step, with a checkpoint', async () => {
    const out = tmp();
    const signal = { stop: false };
    const timer = setTimeout(() => (signal.stop = true), 300);
    const summary = await train({ ...tiny, epochs: 50 }, { out, ...quiet, signal });
    clearTimeout(timer);
    expect(summary.stoppedEarly).toBe(true);
    expect(summary.steps).toBeGreaterThan(0);
    expect(summary.steps).toBeLessThan(50 * 18);
    const saved = loadCheckpoint<{ step: number }>(join(out, 'checkpoint.json'));
    expect(saved.step).toBe(summary.steps);
  });

  it('an optimizer plugin from outside the project trains by name (--plugin MODULE --optimizer NAME)', async () => {
    const out = tmp();
    const plugin = fileURLToPath(new URL('./fixtures/sign-sgd.mjs', import.meta.url));
    const summary = await train(
      {
        ...tiny,
        epochs: 2,
        plugins: [plugin],
        optimizer: 'sign-sgd',
        lr: 1e-3,
        schedule: 'constant',
      },
      { out, ...quiet },
    );
    expect(summary.config.optimizer).toBe('sign-sgd');
    expect(summary.finalTestAccuracy).toBeGreaterThan(0.5);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricRecord);
    expect(lines[0].eta).toBe(1e-3);
  });

  it('a registered plugin gets the flags its declared options name (--mu too), no others', () => {
    let seen: Record<string, unknown> = {};
    registerPlugin(
      'mu-probe',
      (o: { eta0: number; batchSize: number; mu: number }) => {
        seen = o;
        return sgd({ eta0: o.eta0, batchSize: o.batchSize });
      },
      { options: ['eta0', 'batchSize', 'mu'] },
    );
    try {
      const c = validateConfig({ ...tiny, optimizer: 'mu-probe', mu: 0.7 });
      buildPlugin(c, 10, 1);
      expect(Object.keys(seen).sort()).toEqual(['batchSize', 'eta0', 'mu']);
      expect(seen).toMatchObject({ batchSize: tiny.batch, mu: 0.7 });
      expect(() => validateConfig({ ...tiny, optimizer: 'mu-probe', nesterov: true })).toThrow(
        '--nesterov has no effect with --optimizer mu-probe (mu-probe takes eta0, batchSize, mu)',
      );
    } finally {
      unregisterPlugin('mu-probe');
    }
  });

  it('a corrupt or truncated checkpoint is a clear error', async () => {
    const out = tmp();
    await train({ ...tiny, epochs: 1, limit: 300 }, { out, ...quiet });
    const path = join(out, 'checkpoint.json');
    const bytes = readFileSync(path);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 10] ^= 1;
    writeFileSync(path + '.flipped', flipped);
    writeFileSync(path + '.cut', bytes.subarray(0, bytes.length - 100));
    await expect(train(tiny, { out, ...quiet, resume: path + '.flipped' })).rejects.toThrow(
      /checksum mismatch: the file is corrupt/,
    );
    await expect(train(tiny, { out, ...quiet, resume: path + '.cut' })).rejects.toThrow(
      /truncated or padded/,
    );
    // No temporary file is left behind by the atomic write.
    expect(existsSync(join(out, `.checkpoint.json.${process.pid}.tmp`))).toBe(false);
  });
});
