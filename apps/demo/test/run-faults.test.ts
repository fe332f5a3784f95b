/**
 * Runs that never lose work, tested with real faults: kill -9 at random moments while the run
 * checkpoints every step, SIGINT and SIGTERM, and a full disk (a 16 MiB tmpfs, where mounting one
 * is permitted; durable-write.test.ts injects the same faults everywhere).
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Generator } from '@thermograd/autograd';
import { loadCheckpoint } from '../src/checkpoint.js';
import { main } from '../src/cli.js';
import type { MetricRecord } from '../src/train.js';
import { bundleDemoCli, startDemo, tinyRunFlags, waitForOutput } from './helpers/demo-process.js';

interface Saved {
  step: number;
  model: Record<string, { values: number[] }>;
  metrics: MetricRecord[];
}
const tmp = () => mkdtempSync(join(tmpdir(), 'thermograd-faults-'));
const readMetrics = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as MetricRecord);
/** Metrics without the wall-clock fields, which legitimately differ between runs. */
const deterministic = (m: MetricRecord[]) =>
  m.map(({ examplesPerSec: _e, wallSeconds: _w, ...rest }) => rest);

let cli: string;
beforeAll(async () => {
  cli = await bundleDemoCli();
});

describe('kill -9 while checkpointing', () => {
  it('after each kill the last checkpoint loads, and resuming ends bit-identical to a run never killed', async () => {
    const flags = [...tinyRunFlags(), '--epochs', '6', '--checkpoint-every', '1'];
    const whole = join(tmp(), 'run');
    const reference = await startDemo(cli, [...flags, '--out', whole]).done;
    expect(reference.code, reference.stderr).toBe(0);

    const dir = join(tmp(), 'run');
    const checkpoint = join(dir, 'checkpoint.json');
    const rng = new Generator(11);
    let kills = 0;
    for (let attempt = 0; attempt < 8 && kills < 5; attempt++) {
      const args = existsSync(checkpoint)
        ? ['--resume', checkpoint, '--checkpoint-every', '1']
        : [...flags, '--out', dir, '--overwrite'];
      const { child, done } = startDemo(cli, args);
      // Somewhere in the training loop, which writes a checkpoint after every step: after the
      // line describing the model (just before the loop) and, on a fresh run, its first checkpoint.
      await waitForOutput(child, 'parameters)').catch(() => {});
      while (!existsSync(checkpoint) && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, Math.floor(rng.uniform() * 500)));
      child.kill('SIGKILL');
      const ended = await done;
      if (ended.signal !== 'SIGKILL') continue; // it finished first; try again
      kills++;
      if (!existsSync(checkpoint)) continue;
      const saved = loadCheckpoint<Saved>(checkpoint);
      // metrics.jsonl holds at least the checkpoint's records (a kill can land between the two).
      const onDisk = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n');
      expect(onDisk.length - 1).toBeGreaterThanOrEqual(saved.metrics.length);
    }
    expect(kills).toBeGreaterThanOrEqual(3);
    const last = await startDemo(cli, ['--resume', checkpoint, '--quiet']).done;
    expect(last.code, last.stderr).toBe(0);

    const a = loadCheckpoint<Saved>(join(whole, 'checkpoint.json'));
    const b = loadCheckpoint<Saved>(checkpoint);
    expect(b.step).toBe(a.step);
    for (const name of Object.keys(a.model))
      expect(Float32Array.from(b.model[name].values)).toEqual(
        Float32Array.from(a.model[name].values),
      );
    // metrics.jsonl and the checkpoint agree, and match the uninterrupted run's records.
    expect(deterministic(readMetrics(dir))).toEqual(deterministic(b.metrics));
    expect(deterministic(b.metrics)).toEqual(deterministic(a.metrics));
    // Temporary files of killed saves are removed when the next run starts.
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('signals', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} saves a checkpoint after the current step and ends the process by ${signal} (status ${signal === 'SIGINT' ? 130 : 143})`, async () => {
      const dir = join(tmp(), 'run');
      const { child, done } = startDemo(cli, [...tinyRunFlags(), '--epochs', '200', '--out', dir]);
      await waitForOutput(child, 'epoch 2/200');
      child.kill(signal);
      const ended = await done;
      // Ending by the signal is what a shell reports as 128 + its number (130, 143).
      expect(ended.signal, ended.stderr).toBe(signal);
      expect(ended.stdout).toContain(`${signal}: stopping at step`);
      const saved = loadCheckpoint<Saved>(join(dir, 'checkpoint.json'));
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      expect(summary.steps).toBe(saved.step);
      expect(summary.stopReason).toBe(signal);
      expect(saved.step).toBeGreaterThanOrEqual(2 * 25);
      expect(deterministic(readMetrics(dir))).toEqual(deterministic(saved.metrics));
    });
  }
});

// In a plain Node process, as a user runs the demo (vitest's module runner reports its own errors).
describe('plugin modules', () => {
  const plugins: [string, string, RegExp][] = [
    [
      'does not parse',
      'export function register({ registerPlugin }) {\n  const broken = ;\n}\n',
      /--plugin .*broken\.mjs:2: SyntaxError: /,
    ],
    [
      'throws when imported',
      '// line 1\nconst reason = "no such thing";\nthrow new Error(`plugin setup failed: ${reason}`);\n',
      /--plugin .*broken\.mjs:3: Error: plugin setup failed: no such thing/,
    ],
  ];
  for (const [what, source, message] of plugins) {
    it(`a plugin module that ${what} is an error naming the file and line`, async () => {
      const file = join(tmp(), 'broken.mjs');
      writeFileSync(file, source);
      const ended = await startDemo(cli, ['--plugin', file, ...tinyRunFlags()]).done;
      expect(ended.code).toBe(1);
      expect(ended.stderr).toMatch(message);
    });
  }
});

/** Mounts a 16 MiB tmpfs (needs root); returns its path, or null when not permitted here. */
function mountSmallTmpfs(): string | null {
  const dir = tmp();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir], { stdio: 'pipe' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

describe('a full disk', () => {
  const disk = mountSmallTmpfs();
  afterAll(() => {
    if (disk) execFileSync('umount', [disk]);
  });

  it.skipIf(disk === null)(
    'keeps the previous checkpoint, names the file and the cause, exits non-zero; resume works once space is freed',
    async () => {
      const errors: string[] = [];
      vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
        errors.push(a.join(' '));
      });
      vi.spyOn(console, 'log').mockImplementation(() => {});
      const run = join(disk!, 'run');
      const checkpoint = join(run, 'checkpoint.json');
      const flags = [...tinyRunFlags(), '--epochs', '3', '--quiet'];
      expect(await main([...flags, '--max-steps', '20', '--out', run])).toBe(0);
      const before = readFileSync(checkpoint);
      // Fill the disk to less than one checkpoint (about 400 kB here) of free space.
      mkdirSync(join(disk!, 'filler'));
      const free = () => {
        const s = statfsSync(disk!);
        return s.bavail * s.bsize;
      };
      writeFileSync(join(disk!, 'filler', 'big'), Buffer.alloc(Math.max(0, free() - 150_000)));
      expect(free()).toBeLessThan(before.length);

      expect(await main(['--resume', checkpoint, '--max-steps', '40', '--quiet'])).toBe(1);
      expect(errors.join('\n')).toMatch(
        new RegExp(`cannot write ${run}/.*: no space left on device \\(ENOSPC\\)`),
      );
      expect(readFileSync(checkpoint).equals(before)).toBe(true);
      expect(readdirSync(run).filter((n) => n.endsWith('.tmp'))).toEqual([]);

      rmSync(join(disk!, 'filler'), { recursive: true });
      expect(await main(['--resume', checkpoint, '--quiet'])).toBe(0);
      const saved = loadCheckpoint<Saved>(checkpoint);
      expect(saved.step).toBe(3 * 25);
      expect(deterministic(readMetrics(run))).toEqual(deterministic(saved.metrics));
      vi.restoreAllMocks();
    },
  );
});
