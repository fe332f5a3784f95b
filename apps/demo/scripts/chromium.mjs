// Headless Chromium (Debian's package, scripts/ensure-chromium.sh) driven by puppeteer-core, for
// the report's layout test and its screenshot (docs/images/demo-report.png). puppeteer-core
// downloads no browser; it drives the one at CHROMIUM_PATH or /usr/bin/chromium.
import puppeteer from 'puppeteer-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium() {
  return puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // No sandbox: CI containers run as root, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/**
 * Lays `html` out at `width` CSS pixels and measures it: for every chart, its box and each of its
 * legend labels' boxes and texts; and whether the page is wider than the window (a horizontal
 * scroll bar: something is cut off).
 */
export async function measureReport(browser, html, width) {
  const page = await browser.newPage();
  try {
    await page.setViewport({ width, height: 900 });
    await page.setContent(html, { waitUntil: 'load' });
    // Runs in the page, where document is the report.
    return await page.evaluate(() => {
      /* global document */
      const box = (el) => {
        const r = el.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      };
      const charts = [...document.querySelectorAll('figure')].map((figure) => {
        const svg = figure.querySelector('svg');
        return {
          title: figure.querySelector('figcaption')?.textContent ?? '',
          chart: box(svg),
          visible: box(figure),
          legends: [...svg.querySelectorAll('.role-legend-label text')].map((t) => ({
            text: t.textContent,
            box: box(t),
          })),
        };
      });
      return {
        charts,
        pageWidth: document.documentElement.scrollWidth,
        windowWidth: document.documentElement.clientWidth,
      };
    });
  } finally {
    await page.close();
  }
}
