/**
 * The playground's training session against the CLI, in Node on the reference backend: a run
 * started in a Session and continued by `demo --resume` from the Session's checkpoint file gives
 * the CLI's uninterrupted run record for record; the temperature slider scales the next step's η0.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@thermograd/autograd';
import { loadMnist } from '@thermograd/data';
import { DEFAULTS, type MetricRecord, type TrainConfig } from '@thermograd/demo/browser';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../demo/src/cli.js';
import { checkpointBytes } from '../src/checkpoint.js';
import { prepareData, Session } from '../src/session.js';

const config: TrainConfig = {
  ...DEFAULTS,
  hidden: [16],
  limit: 1000,
  validation: 200,
  batch: 50,
  epochs: 1,
  logEvery: 4,
  evalSize: 100,
  seed: 3,
  backend: 'reference',
};
const flags = [
  ...['--hidden', '16', '--limit', '1000', '--validation', '200', '--batch', '50'],
  ...['--epochs', '1', '--log-every', '4', '--eval-size', '100', '--seed', '3'],
  ...['--backend', 'reference', '--quiet'],
];

const tmp = () => mkdtempSync(join(tmpdir(), 'thermograd-playground-'));
/** Metric records without their timings, which no two runs share. */
const records = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const { examplesPerSec: _e, wallSeconds: _w, ...rest } = JSON.parse(line) as MetricRecord;
      return rest;
    });

let errors: string[];
beforeEach(() => {
  errors = [];
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
  vi.spyOn(console, 'log').mockImplementation(() => {});
  setBackend('reference');
});
afterEach(() => vi.restoreAllMocks());

const data = () => prepareData(loadMnist({ trainLimit: config.limit }), config.validation);

describe('playground session', () => {
  it('a run begun in the page and resumed by the CLI is the CLI run, record for record', async () => {
    const whole = join(tmp(), 'run');
    expect(await main([...flags, '--out', whole]), errors.join('\n')).toBe(0);

    const session = new Session(config, data());
    // Stop mid-window (records come every 4 steps), so that the window's sums travel too.
    for (let i = 0; i < 6; i++) session.trainStep();
    const resumed = join(tmp(), 'run');
    const file = join(tmp(), 'checkpoint.json');
    writeFileSync(file, await checkpointBytes(session.checkpointBody()));
    expect(await main(['--resume', file, '--quiet', '--out', resumed]), errors.join('\n')).toBe(0);

    const expected = records(whole);
    expect(expected.length).toBe(4);
    expect(records(resumed)).toEqual(expected);
  });

  it('the slider scales the scheduled η0 from the next step, and refuses a bad value', () => {
    const session = new Session({ ...config, schedule: 'cosine' }, data());
    const base = new Session({ ...config, schedule: 'cosine' }, data());
    session.trainStep();
    base.trainStep();
    session.setBase(session.baseValue() * 2.5);
    const [moved, plain] = [session.trainStep(), base.trainStep()];
    expect(moved.eta0! / plain.eta0!).toBeCloseTo(2.5, 12);
    expect(moved.eta! / plain.eta!).toBeCloseTo(2.5, 12);
    expect(() => session.setBase(Number.NaN)).toThrow(/temperature must be a finite number > 0/);
    expect(() => session.setBase(0)).toThrow(RangeError);
    // The checkpoint carries the slider's value, so that a resumed run continues at it.
    expect(session.checkpointBody().config.eta0).toBe(base.baseValue() * 2.5);
  });
});
