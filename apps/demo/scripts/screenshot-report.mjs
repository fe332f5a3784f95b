// Screenshots a run's report.html in headless Chromium: the whole page at the given width.
// Usage: node apps/demo/scripts/screenshot-report.mjs <report.html> <out.png> [width=1280]
import { readFileSync } from 'node:fs';
import { launchChromium } from './chromium.mjs';

const [report, out, width = '1280'] = process.argv.slice(2);
if (!report || !out) {
  console.error('usage: screenshot-report.mjs <report.html> <out.png> [width]');
  process.exit(2);
}
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.setViewport({ width: Number(width), height: 800 });
  await page.setContent(readFileSync(report, 'utf8'), { waitUntil: 'load' });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
