/**
 * Continuing runs: flags on --resume, what a checkpoint may and may not make the demo do, the
 * metrics file agreeing with the checkpoint, run directories, periodic checkpoints and divergence.
 */
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../src/checkpoint.js';
import { main } from '../src/cli.js';
import { durableFs } from '../src/durable-write.js';
import type { MetricRecord } from '../src/train.js';
import { tinyRunFlags } from './helpers/demo-process.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'thermograd-resume-'));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const readMetrics = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as MetricRecord);
const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));

interface Body {
  step: number;
  config: Record<string, unknown>;
  batcher: { epoch: number; step: number };
  metrics: MetricRecord[];
  changes: unknown[];
}

let errors: string[];
beforeEach(() => {
  errors = [];
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    errors.push(a.join(' '));
  });
  vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

/** A tiny 2-epoch run (25 steps an epoch) stopped at step 20; returns its directory. */
async function stoppedRun(extra: string[] = []): Promise<string> {
  const dir = join(tmp(), 'run');
  const code = await main([
    ...tinyRunFlags(),
    '--epochs',
    '2',
    '--max-steps',
    '20',
    '--quiet',
    '--out',
    dir,
    ...extra,
  ]);
  expect(code, errors.join('\n')).toBe(0);
  return dir;
}

describe('--resume with flags', () => {
  it('flags that conflict with the run are an error listing them all', async () => {
    const dir = await stoppedRun();
    const code = await main([
      '--resume',
      join(dir, 'checkpoint.json'),
      '--epochs',
      '3',
      '--model',
      'cnn',
      '--batch',
      '16',
    ]);
    expect(code).toBe(1);
    const message = errors.join('\n');
    expect(message).toMatch(/--model cnn \(the run has mlp\)/);
    expect(message).toMatch(/--batch 16 \(the run has 32\)/);
    expect(message).not.toMatch(/--epochs 3 \(/);
    expect(message).toMatch(/Only --epochs and --log-every may change/);
    // Nothing was written: the run is as it was.
    expect(loadCheckpoint<Body>(join(dir, 'checkpoint.json')).step).toBe(20);
  });

  it('--epochs extends a run; the change is recorded and the schedule is the longer run’s from then on', async () => {
    const dir = await stoppedRun();
    expect(await main(['--resume', join(dir, 'checkpoint.json'), '--epochs', '3', '--quiet'])).toBe(
      0,
    );
    const saved = loadCheckpoint<Body>(join(dir, 'checkpoint.json'));
    expect(saved.step).toBe(75);
    expect(saved.config.epochs).toBe(3);
    expect(saved.changes).toEqual([{ step: 20, key: 'epochs', from: 2, to: 3 }]);
    expect(summaryOf(dir).changes).toEqual(saved.changes);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('epochs 2 → 3');
    // From step 21 on, η0 is what a run started with --epochs 3 has at that step.
    const fresh = join(tmp(), 'fresh');
    expect(await main([...tinyRunFlags(), '--epochs', '3', '--quiet', '--out', fresh])).toBe(0);
    const after = (m: MetricRecord[]) => m.filter((r) => r.step > 20).map((r) => r.eta0);
    expect(after(readMetrics(dir))).toEqual(after(readMetrics(fresh)));
    const before = (m: MetricRecord[]) => m.filter((r) => r.step <= 20).map((r) => r.eta0);
    expect(before(readMetrics(dir))).not.toEqual(before(readMetrics(fresh)));
  });

  it('--epochs below the steps already taken is an error', async () => {
    const dir = await stoppedRun(['--max-steps', '30']);
    expect(await main(['--resume', join(dir, 'checkpoint.json'), '--epochs', '1'])).toBe(1);
    expect(errors.join('\n')).toMatch(
      /step 30 is past the run's end \(25 steps\); --epochs 2 or more continues it/,
    );
  });
});

describe('a checkpoint is data', () => {
  it('never chooses code to run: a plugin path in it is not imported, the run asks for --plugin', async () => {
    const dir = await stoppedRun();
    const path = join(dir, 'checkpoint.json');
    const moduleDir = tmp();
    const module = join(moduleDir, 'writes-marker.mjs');
    writeFileSync(
      module,
      "import { writeFileSync } from 'node:fs';\n" +
        "writeFileSync(new URL('./marker', import.meta.url), 'imported');\n" +
        "export function register({ registerPlugin }) { registerPlugin('tampered-opt', () => ({}), { override: true }); }\n",
    );
    const body = loadCheckpoint<Body>(path);
    saveCheckpoint(path, {
      ...body,
      config: { ...body.config, plugins: [module], optimizer: 'tampered-opt' },
    });
    expect(await main(['--resume', path])).toBe(1);
    expect(errors.join('\n')).toMatch(
      /the run used optimizer 'tampered-opt' from a plugin module \(.*writes-marker\.mjs\); give the same --plugin <module>/,
    );
    expect(existsSync(join(moduleDir, 'marker'))).toBe(false);
  });

  it('a run with a --plugin optimizer resumes when given the same --plugin', async () => {
    const plugin = fixture('sign-sgd.mjs');
    const dir = await stoppedRun([
      '--plugin',
      plugin,
      '--optimizer',
      'sign-sgd',
      '--lr',
      '0.001',
      '--schedule',
      'constant',
    ]);
    expect(
      await main(['--resume', join(dir, 'checkpoint.json'), '--plugin', plugin, '--quiet']),
    ).toBe(0);
    expect(loadCheckpoint<Body>(join(dir, 'checkpoint.json')).step).toBe(50);
  });

  const tampered: [string, (b: Body) => Body, RegExp][] = [
    [
      'a step past the run’s end',
      (b) => ({ ...b, step: 999999 }),
      /step 999999 is past the run's end \(50 steps\)/,
    ],
    [
      'a step the data position contradicts',
      (b) => ({ ...b, step: 10, metrics: b.metrics.slice(0, 2) }),
      /the data position \(epoch 0, batch 20\) is not step 10/,
    ],
    ['a step that is not a count', (b) => ({ ...b, step: 2.5 }), /step 2.5 is not a step count/],
    [
      'metric records out of order',
      (b) => ({ ...b, metrics: [...b.metrics].reverse() }),
      /metric record at step \d+ is out of order/,
    ],
  ];
  for (const [what, tamper, message] of tampered) {
    it(`a re-signed checkpoint with ${what} is refused`, async () => {
      const dir = await stoppedRun();
      const path = join(dir, 'checkpoint.json');
      saveCheckpoint(path, tamper(loadCheckpoint<Body>(path)));
      expect(await main(['--resume', path])).toBe(1);
      expect(errors.join('\n')).toMatch(message);
    });
  }
});

describe('metrics.jsonl and the checkpoint agree', () => {
  it('records appended after the checkpoint (a kill between the two writes) are cut back on resume', async () => {
    const dir = await stoppedRun();
    const path = join(dir, 'checkpoint.json');
    const saved = loadCheckpoint<Body>(path);
    expect(readMetrics(dir)).toEqual(saved.metrics);
    appendFileSync(join(dir, 'metrics.jsonl'), '{"step":25,"epoch":1,"loss":9}\n{"step":30,"ep');
    expect(await main(['--resume', path, '--max-steps', '20', '--quiet'])).toBe(0);
    expect(readMetrics(dir)).toEqual(saved.metrics);
  });
});

describe('run directories', () => {
  it('an existing run is refused unless --resume or --overwrite', async () => {
    const dir = await stoppedRun();
    const before = readFileSync(join(dir, 'checkpoint.json'));
    expect(await main([...tinyRunFlags(), '--model', 'cnn', '--out', dir])).toBe(1);
    expect(errors.join('\n')).toMatch(
      new RegExp(
        `--out ${dir} already holds files .*continue that run with --resume ${dir}/checkpoint.json.*--overwrite`,
      ),
    );
    expect(readFileSync(join(dir, 'checkpoint.json')).equals(before)).toBe(true);
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'mine');
    expect(
      await main([...tinyRunFlags(), '--epochs', '1', '--quiet', '--out', dir, '--overwrite']),
    ).toBe(0);
    expect(loadCheckpoint<Body>(join(dir, 'checkpoint.json')).step).toBe(25);
    expect(readFileSync(notes, 'utf8')).toBe('mine');
  });

  it('lab writes a new directory per run and refuses an existing --out', async () => {
    const parent = tmp();
    const out = join(parent, 'cooling');
    writeFileSync(join(parent, 'keep'), '');
    expect(await main(['lab', 'cooling', '--quick', '--out', parent])).toBe(1);
    expect(errors.join('\n')).toMatch(/already holds files \(keep\)/);
    expect(await main(['lab', 'cooling', '--quick', '--out', out])).toBe(0);
    expect(readdirSync(out)).toContain('results.json');
  });
});

describe('checkpoints during a run', () => {
  it('--checkpoint-every N writes one every N steps, at each epoch end and none twice', async () => {
    const renames: string[] = [];
    const rename = durableFs.renameSync;
    vi.spyOn(durableFs, 'renameSync').mockImplementation((from, to) => {
      if (String(to).endsWith('checkpoint.json')) renames.push(String(to));
      rename(from, to);
    });
    const dir = join(tmp(), 'run');
    expect(
      await main([
        ...tinyRunFlags(),
        '--epochs',
        '2',
        '--checkpoint-every',
        '10',
        '--quiet',
        '--out',
        dir,
      ]),
    ).toBe(0);
    // Steps 10, 20, 25 (epoch end), 35, 45, 50 (epoch end, the last).
    expect(renames).toHaveLength(6);
  });

  it('a divergence stops with the advice, keeps the last checkpoint, and writes metrics and report', async () => {
    const dir = join(tmp(), 'run');
    const code = await main([
      ...tinyRunFlags(),
      '--plugin',
      fixture('explode-after-10.mjs'),
      '--optimizer',
      'explode-after-10',
      '--lr',
      '1',
      '--checkpoint-every',
      '3',
      '--quiet',
      '--out',
      dir,
    ]);
    expect(code).toBe(1);
    const message = errors.join('\n');
    expect(message).toMatch(
      /training diverged at step 12 \(loss NaN\): lower --eta0\/--lr\. The checkpoint of step 9 is kept/,
    );
    expect(message).not.toMatch(/skipNonFinite/);
    expect(loadCheckpoint<Body>(join(dir, 'checkpoint.json')).step).toBe(9);
    expect(readMetrics(dir).map((m) => m.step)).toEqual([5, 10]);
    expect(summaryOf(dir).diverged).toEqual({ step: 12, cause: 'loss NaN' });
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('diverged');
  });
});
