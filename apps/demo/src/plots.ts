/**
 * Charts of a run, drawn by Vega-Lite and rendered to SVG headlessly (vega's View.toSVG needs no
 * browser or canvas), plus one self-contained HTML report that inlines them.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface SeriesPoint {
  step: number;
  value: number;
  series: string;
}

export interface ChartSpec {
  /** File stem, e.g. 'loss'. */
  name: string;
  title: string;
  yTitle: string;
  points: SeriesPoint[];
  logScale?: boolean;
  xTitle?: string;
}

export async function renderChartSvg(chart: ChartSpec): Promise<string> {
  const finite = chart.points.filter(
    (p) => Number.isFinite(p.value) && (!chart.logScale || p.value > 0),
  );
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: chart.title,
    width: 560,
    height: 240,
    background: 'white',
    data: { values: finite },
    // Points as well as lines: a series with one value (a one-epoch run's test accuracy) shows.
    mark: { type: 'line', interpolate: 'linear', strokeWidth: 1.5, point: { size: 24 } },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: chart.xTitle ?? 'step' },
      y: {
        field: 'value',
        type: 'quantitative',
        title: chart.yTitle,
        scale: chart.logScale ? { type: 'log' } : { zero: false },
      },
      // Below the plot and never truncated, so every series' name is readable at any page width.
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        legend: { orient: 'bottom', labelLimit: 0, direction: 'horizontal' },
      },
    },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export function htmlReport(
  title: string,
  summaryRows: [string, string][],
  charts: { title: string; svg: string }[],
  note?: string,
): string {
  const escape = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const rows = summaryRows
    .map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(v)}</td></tr>`)
    .join('\n');
  const figures = charts
    .map((c) => `<figure><figcaption>${escape(c.title)}</figcaption>${c.svg}</figure>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; padding: 0 1em; max-width: 1300px; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; } th, td { text-align: left; padding: 2px 12px; border-bottom: 1px solid #ddd; }
th { font-weight: 600; } td { overflow-wrap: anywhere; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); gap: 1em; }
figure { margin: 0; min-width: 0; } figcaption { font-weight: 600; margin-bottom: 4px; }
/* Charts scale down with their column (the SVGs have a viewBox) instead of being clipped. */
figure svg { display: block; max-width: 100%; height: auto; }
</style></head>
<body><h1>${escape(title)}</h1>
<table>${rows}</table>
${note ? `<p class="note">${escape(note)}</p>\n` : ''}<div class="charts">${figures}</div>
</body></html>
`;
}
