/**
 * report.html as a browser lays it out (headless Chromium): at a phone's width, 1280 and 1920 px
 * nothing is wider than the window and every legend label lies whole inside its chart. Chromium
 * comes from scripts/ensure-chromium.sh (Debian's package); the test is skipped, saying why,
 * only where it is missing and cannot be installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, measureReport, type Box } from '../scripts/chromium.mjs';
import { train } from '../src/train.js';
import { tinyConfig } from './helpers/tiny-config.js';

const ensure = spawnSync(
  fileURLToPath(new URL('../../../scripts/ensure-chromium.sh', import.meta.url)),
  { encoding: 'utf8', timeout: 600_000 },
);
const missing = ensure.status === 0 ? null : ensure.stderr.trim() || 'ensure-chromium.sh failed';
if (missing) console.warn(`report-browser.test.ts skipped: ${missing}`);

const inside = (inner: Box, outer: Box) =>
  inner.left >= outer.left - 0.5 &&
  inner.right <= outer.right + 0.5 &&
  inner.top >= outer.top - 0.5 &&
  inner.bottom <= outer.bottom + 0.5;

describe.skipIf(missing !== null)('report.html in headless Chromium', () => {
  let browser: Browser;
  let html: string;
  beforeAll(async () => {
    const out = mkdtempSync(join(tmpdir(), 'thermograd-report-'));
    await train(tinyConfig, { out, progress: 'none', log: () => {} });
    html = readFileSync(join(out, 'report.html'), 'utf8');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const width of [390, 1280, 1920]) {
    it(`at ${width} px every chart fits the window and every legend label lies whole inside its chart`, async () => {
      const layout = await measureReport(browser, html, width);
      expect(layout.pageWidth).toBeLessThanOrEqual(layout.windowWidth);
      expect(layout.charts.map((c) => c.title)).toHaveLength(4);
      for (const chart of layout.charts) {
        expect(chart.chart.left, chart.title).toBeGreaterThanOrEqual(0);
        expect(chart.chart.right, chart.title).toBeLessThanOrEqual(layout.windowWidth);
        expect(chart.legends.length, chart.title).toBeGreaterThan(0);
        for (const legend of chart.legends) {
          expect(inside(legend.box, chart.chart), `${chart.title}: '${legend.text}'`).toBe(true);
          expect(inside(legend.box, chart.visible), `${chart.title}: '${legend.text}'`).toBe(true);
        }
      }
      const labels = (title: string) =>
        layout.charts.find((c) => c.title.startsWith(title))!.legends.map((l) => l.text);
      // Whole names, not truncated ones: η and η0 can be told apart.
      expect(labels('Training loss')).toEqual(['train loss']);
      expect(labels('Temperature')).toEqual(['η (step)', 'η0 (temperature)']);
    });
  }
});
