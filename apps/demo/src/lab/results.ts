/**
 * What every lab experiment hands back, and how it is written: a table of claims (each with the
 * numbers measured, the criterion and a verdict computed from them), printed to the terminal and
 * written as results.md and results.json, plus SVG charts and a small HTML report.
 *
 * A verdict has three outcomes: 'held' and 'not held' when the measurement settles the criterion
 * beyond its standard error, 'inconclusive' when it does not (a run too short for its noise).
 * Deterministic criteria (no sampling error) are always held or not held.
 */
import { mkdirSync } from 'node:fs';
import { writeFileDurably } from '../durable-write.js';
import { join } from 'node:path';
import { createPlugin, type OptimizerPlugin } from '@thermograd/optim';
import { htmlReport, renderChartSvg, type ChartSpec } from '../plots.js';

export interface Claim {
  /** Short id, e.g. 'sgd-matches-lyapunov'. */
  id: string;
  /** The claim in words, as the theory (docs/theory.md) or the issue states it. */
  claim: string;
  /** The criterion the verdict was computed with, in words with its threshold. */
  criterion: string;
  /** The numbers the criterion was evaluated on. */
  measured: Record<string, number | string | boolean>;
  verdict: Verdict;
  /** verdict === 'held' (for readers of the boolean). */
  held: boolean;
}

export type Verdict = 'held' | 'not held' | 'inconclusive';

/**
 * A claim's verdict fields: from a Verdict, or from a boolean for a criterion without sampling
 * error (held or not held), with `held` derived.
 */
export function outcome(v: Verdict | boolean): { verdict: Verdict; held: boolean } {
  const verdict: Verdict = typeof v === 'boolean' ? (v ? 'held' : 'not held') : v;
  return { verdict, held: verdict === 'held' };
}

/**
 * Standard errors a margin must clear: Z_HELD for 'held', Z_NOT_HELD for 'not held'. Saying the
 * theory failed is the stronger statement, so it needs the stronger evidence (a batch-means
 * standard error from a run only a few correlation times long is itself uncertain).
 */
export const Z_HELD = 2;
export const Z_NOT_HELD = 3;

/**
 * The verdict on "margin > 0" for a margin measured with standard error `se`: held when it is
 * more than Z_HELD standard errors above 0, not held when more than Z_NOT_HELD below, else
 * inconclusive. A NaN margin or error (a run that could not measure it) is inconclusive.
 */
export function judge(margin: number, se: number): Verdict {
  if (Number.isNaN(margin) || Number.isNaN(se)) return 'inconclusive';
  if (margin > Z_HELD * se) return 'held';
  if (margin < -Z_NOT_HELD * se) return 'not held';
  return 'inconclusive';
}

const VERDICT_LABEL: Record<Verdict, string> = {
  held: 'held',
  'not held': 'NOT held',
  inconclusive: 'inconclusive',
};

/** A supplementary table (e.g. per-configuration measurements). */
export interface LabTable {
  title: string;
  header: string[];
  rows: (string | number)[][];
}

export interface LabResult {
  experiment: string;
  seed: number;
  quick: boolean;
  wallSeconds: number;
  /** How minibatches are drawn (e.g. 'with replacement'). */
  sampling: string;
  /** The setup in a few lines (problem, sizes, hyperparameters). */
  setup: string[];
  claims: Claim[];
  tables: LabTable[];
  charts: ChartSpec[];
}

/** Makes an optimizer plugin from a registry name and options (createPlugin's signature). */
export type PluginFactory = (name: string, options: Record<string, unknown>) => OptimizerPlugin;

export interface LabOptions {
  seed: number;
  quick: boolean;
  log: (line: string) => void;
  /**
   * Where the experiment gets its optimizer plugins (default: the registry). Tests plant a wrong
   * plugin here to check that the lab says 'not held'.
   */
  plugins?: PluginFactory;
}

/** The plugin `name` with `options`, from the experiment's factory (default the registry). */
export function labPlugin(
  opts: LabOptions,
  name: string,
  options: Record<string, unknown>,
): OptimizerPlugin {
  return (opts.plugins ?? createPlugin)(name, options);
}

/** A number as a short, table-friendly string. */
export function fmt(v: number | string | boolean): string {
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e7) return String(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(3) : v.toPrecision(4);
}

function markdownTable(header: string[], rows: (string | number)[][]): string {
  const esc = (c: string | number) => fmt(c).replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

function claimRows(claims: Claim[]): (string | number)[][] {
  return claims.map((c) => [
    VERDICT_LABEL[c.verdict],
    c.claim,
    Object.entries(c.measured)
      .map(([k, v]) => `${k} = ${fmt(v)}`)
      .join('; '),
    c.criterion,
  ]);
}

export function resultsMarkdown(r: LabResult): string {
  const parts = [
    `# Lab: ${r.experiment}`,
    '',
    `seed ${r.seed}, ${r.quick ? 'quick' : 'default'} mode, ${r.wallSeconds.toFixed(1)} s; minibatches ${r.sampling}`,
    '',
    ...r.setup.map((s) => `- ${s}`),
    '',
    '## Claims',
    '',
    markdownTable(['result', 'claim', 'measured', 'criterion'], claimRows(r.claims)),
  ];
  for (const t of r.tables) parts.push('', `## ${t.title}`, '', markdownTable(t.header, t.rows));
  if (r.charts.length)
    parts.push('', '## Figures', '', ...r.charts.map((c) => `![${c.title}](${c.name}.svg)`));
  return parts.join('\n') + '\n';
}

/** The claims as a plain-text table for the terminal. */
export function terminalTable(r: LabResult): string {
  const lines = [
    `lab ${r.experiment} (seed ${r.seed}${r.quick ? ', quick' : ''}, ${r.wallSeconds.toFixed(1)} s; minibatches ${r.sampling})`,
  ];
  for (const c of r.claims) {
    lines.push(`  [${VERDICT_LABEL[c.verdict].toUpperCase()}] ${c.claim}`);
    lines.push(
      `      measured: ${Object.entries(c.measured)
        .map(([k, v]) => `${k}=${fmt(v)}`)
        .join(', ')}`,
    );
    lines.push(`      criterion: ${c.criterion}`);
  }
  for (const t of r.tables) {
    lines.push(`  ${t.title}`);
    const cells = [t.header, ...t.rows.map((row) => row.map(fmt))];
    const widths = t.header.map((_, i) =>
      Math.max(...cells.map((row) => String(row[i] ?? '').length)),
    );
    for (const row of cells)
      lines.push('    ' + row.map((c, i) => String(c).padEnd(widths[i])).join('  '));
  }
  return lines.join('\n');
}

/** Writes results.md, results.json, one SVG per chart and report.html into `out`. */
export async function writeLabResult(out: string, r: LabResult): Promise<string[]> {
  mkdirSync(out, { recursive: true });
  const written = ['results.md', 'results.json'];
  const json = {
    experiment: r.experiment,
    seed: r.seed,
    quick: r.quick,
    wallSeconds: r.wallSeconds,
    sampling: r.sampling,
    setup: r.setup,
    held: r.claims.every((c) => c.held),
    verdicts: Object.fromEntries(r.claims.map((c) => [c.id, c.verdict])),
    claims: r.claims,
    tables: r.tables,
  };
  writeFileDurably(join(out, 'results.json'), [JSON.stringify(json, null, 2) + '\n']);
  writeFileDurably(join(out, 'results.md'), [resultsMarkdown(r)]);
  const rendered: { title: string; svg: string }[] = [];
  for (const chart of r.charts) {
    const svg = await renderChartSvg(chart);
    writeFileDurably(join(out, `${chart.name}.svg`), [svg]);
    written.push(`${chart.name}.svg`);
    rendered.push({ title: chart.title, svg });
  }
  const rows: [string, string][] = [
    ...r.claims.map((c): [string, string] => [
      `${VERDICT_LABEL[c.verdict]}: ${c.claim}`,
      `${Object.entries(c.measured)
        .map(([k, v]) => `${k} = ${fmt(v)}`)
        .join('; ')} (criterion: ${c.criterion})`,
    ]),
    ...r.setup.map((s): [string, string] => ['setup', s]),
    [
      'seed / mode / time / minibatches',
      `${r.seed} / ${r.quick ? 'quick' : 'default'} / ${r.wallSeconds.toFixed(1)} s / ${r.sampling}`,
    ],
  ];
  writeFileDurably(join(out, 'report.html'), [
    htmlReport(`thermograd lab: ${r.experiment}`, rows, rendered),
  ]);
  written.push('report.html');
  return written;
}
