/**
 * What every lab experiment hands back, and how it is written: a table of claims (each with the
 * numbers measured, the criterion and a `held` computed from them), printed to the terminal and
 * written as results.md and results.json, plus SVG charts and a small HTML report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { htmlReport, renderChartSvg, type ChartSpec } from '../plots.js';

export interface Claim {
  /** Short id, e.g. 'sgd-matches-lyapunov'. */
  id: string;
  /** The claim in words, as the theory (docs/theory.md) or the issue states it. */
  claim: string;
  /** The criterion `held` was computed with, in words with its threshold. */
  criterion: string;
  /** The numbers the criterion was evaluated on. */
  measured: Record<string, number | string | boolean>;
  held: boolean;
}

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
  /** The setup in a few lines (problem, sizes, hyperparameters). */
  setup: string[];
  claims: Claim[];
  tables: LabTable[];
  charts: ChartSpec[];
}

export interface LabOptions {
  seed: number;
  quick: boolean;
  log: (line: string) => void;
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
    c.held ? 'held' : 'NOT held',
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
    `seed ${r.seed}, ${r.quick ? 'quick' : 'default'} mode, ${r.wallSeconds.toFixed(1)} s`,
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
    `lab ${r.experiment} (seed ${r.seed}${r.quick ? ', quick' : ''}, ${r.wallSeconds.toFixed(1)} s)`,
  ];
  for (const c of r.claims) {
    lines.push(`  [${c.held ? 'HELD' : 'NOT HELD'}] ${c.claim}`);
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
    setup: r.setup,
    held: r.claims.every((c) => c.held),
    claims: r.claims,
    tables: r.tables,
  };
  writeFileSync(join(out, 'results.json'), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(join(out, 'results.md'), resultsMarkdown(r));
  const rendered: { title: string; svg: string }[] = [];
  for (const chart of r.charts) {
    const svg = await renderChartSvg(chart);
    writeFileSync(join(out, `${chart.name}.svg`), svg);
    written.push(`${chart.name}.svg`);
    rendered.push({ title: chart.title, svg });
  }
  const rows: [string, string][] = [
    ...r.claims.map((c): [string, string] => [
      `${c.held ? 'held' : 'NOT held'}: ${c.claim}`,
      `${Object.entries(c.measured)
        .map(([k, v]) => `${k} = ${fmt(v)}`)
        .join('; ')} (criterion: ${c.criterion})`,
    ]),
    ...r.setup.map((s): [string, string] => ['setup', s]),
    [
      'seed / mode / time',
      `${r.seed} / ${r.quick ? 'quick' : 'default'} / ${r.wallSeconds.toFixed(1)} s`,
    ],
  ];
  writeFileSync(
    join(out, 'report.html'),
    htmlReport(`thermograd lab: ${r.experiment}`, rows, rendered),
  );
  written.push('report.html');
  return written;
}
