/** The plots of a training run (SVG files) and its self-contained HTML report. */
import { join } from 'node:path';
import { writeFileDurably } from './durable-write.js';
import { htmlReport, renderChartSvg, type ChartSpec, type SeriesPoint } from './plots.js';
import type { MetricRecord, RunSummary } from './train.js';

function series(
  metrics: MetricRecord[],
  name: string,
  pick: (m: MetricRecord) => number | null,
): SeriesPoint[] {
  return metrics.flatMap((m) => {
    const v = pick(m);
    return v === null || !Number.isFinite(v) ? [] : [{ step: m.step, value: v, series: name }];
  });
}

/** The files a training run writes into its directory (--overwrite removes these, nothing else). */
export const RUN_FILES = [
  'checkpoint.json',
  'metrics.jsonl',
  'summary.json',
  'report.html',
  'loss.svg',
  'accuracy.svg',
  'temperature.svg',
  'noise-scale.svg',
] as const;

export function runCharts(metrics: MetricRecord[]): ChartSpec[] {
  return [
    {
      name: 'loss',
      title: 'Training loss',
      yTitle: 'cross-entropy',
      points: series(metrics, 'train loss', (m) => m.loss),
      logScale: true,
    },
    {
      name: 'accuracy',
      title: 'Accuracy',
      yTitle: 'accuracy',
      points: [
        ...series(metrics, 'train', (m) => m.trainAccuracy),
        ...series(metrics, 'validation', (m) => m.valAccuracy),
        ...series(metrics, 'test (epoch end)', (m) => m.testAccuracy),
      ],
    },
    {
      name: 'temperature',
      title: 'Temperature η0 and step η',
      yTitle: 'value (log scale)',
      points: [
        ...series(metrics, 'η0 (temperature)', (m) => m.eta0),
        ...series(metrics, 'η (step)', (m) => m.eta),
      ],
      logScale: true,
    },
    {
      name: 'noise-scale',
      title: 'Gradient noise scale B_noise = tr(Σ)/|g|²',
      yTitle: 'B_noise (examples)',
      points: series(metrics, 'B_noise (running)', (m) => m.noiseScale),
      logScale: true,
    },
  ];
}

export async function writeRunPlots(
  out: string,
  metrics: MetricRecord[],
  summary: RunSummary,
): Promise<void> {
  // A run that stopped before its first metric record has nothing to draw: say so instead.
  const charts = metrics.length > 0 ? runCharts(metrics) : [];
  const rendered: { title: string; svg: string }[] = [];
  for (const chart of charts) {
    const svg = await renderChartSvg(chart);
    writeFileDurably(join(out, `${chart.name}.svg`), [svg]);
    rendered.push({ title: chart.title, svg });
  }
  const c = summary.config;
  const rows: [string, string][] = [
    ['test accuracy', `${(100 * summary.finalTestAccuracy).toFixed(2)}%`],
    ...(summary.diverged
      ? [
          [
            'diverged',
            `at step ${summary.diverged.step} (${summary.diverged.cause}): lower --eta0/--lr`,
          ] as [string, string],
        ]
      : []),
    ['model', `${summary.model} (${summary.parameters} parameters)`],
    [
      'optimizer',
      `${c.optimizer}${c.optimizer.startsWith('momentum') ? ` μ=${c.mu}` : ''}${c.temperature !== undefined ? ` T=${c.temperature}` : ''}`,
    ],
    [
      'step',
      c.lr !== undefined ? `η = ${c.lr} (raw)` : `η0 = ${c.eta0} (temperature), B = ${c.batch}`,
    ],
    ['schedule', c.schedule],
    [
      'steps',
      `${summary.steps}${summary.stopReason ? ` (stopped early: ${summary.stopReason})` : ''}`,
    ],
    ...summary.changes.map((ch): [string, string] => [
      'changed on resume',
      `at step ${ch.step}: ${ch.key} ${String(ch.from)} → ${String(ch.to)}`,
    ]),
    [
      'training time',
      `${summary.trainSeconds.toFixed(1)} s, ${Math.round(summary.examplesPerSec)} examples/s`,
    ],
    ['backend', c.backend],
    ['seed', String(summary.seed)],
  ];
  const note =
    metrics.length === 0
      ? `The run stopped at step ${summary.steps}, before its first metric record (one every ${c.logEvery} steps, --log-every): there is nothing to plot.`
      : undefined;
  writeFileDurably(join(out, 'report.html'), [
    htmlReport('thermograd training run', rows, rendered, note),
  ]);
}
