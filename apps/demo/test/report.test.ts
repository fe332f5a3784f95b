/**
 * What a run's summary and report show: the temperature as a number even when it is the default,
 * a one-epoch run's single test accuracy, and a note instead of empty charts for a run that
 * stopped before its first metric record.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ETA0 } from '../src/config.js';
import { train } from '../src/train.js';
import { tinyConfig } from './helpers/tiny-config.js';

const tiny = { ...tinyConfig, epochs: 1 };
const tmp = () => mkdtempSync(join(tmpdir(), 'thermograd-report-'));
const quiet = { progress: 'none' as const, log: () => {} };

describe('run report', () => {
  it('records the default η0 as a number and shows a one-epoch run’s test accuracy', async () => {
    const out = tmp();
    await train(tiny, { out, ...quiet });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.config.eta0).toBe(DEFAULT_ETA0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain(`η0 = ${DEFAULT_ETA0} (temperature)`);
    // One test accuracy (the epoch's end) is one point; a line alone would draw nothing.
    const accuracy = readFileSync(join(out, 'accuracy.svg'), 'utf8');
    expect(accuracy).toContain('test (epoch end)');
    expect(accuracy).toMatch(/mark-symbol role-mark/);
  });

  it('a run shorter than --log-every says so instead of drawing empty charts', async () => {
    const out = tmp();
    const lines: string[] = [];
    const summary = await train(tiny, {
      out,
      progress: 'none',
      log: (l) => lines.push(l),
      stopAfterSteps: 3,
    });
    expect(summary.metricRecords).toBe(0);
    expect(lines.join('\n')).toMatch(
      /stopped at step 3, before its first metric record \(--log-every 5\): nothing to plot/,
    );
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/before its first metric record .*there is nothing to plot/);
    expect(html).not.toContain('<svg');
    expect(existsSync(join(out, 'loss.svg'))).toBe(false);
  });
});
