/**
 * The thermodynamics lab: one command per claim of the theory, docs/theory.md (`thermograd-demo lab <name>`), each
 * printing a table of claims with a verdict (held / not held / inconclusive) computed from
 * measurements and their standard errors, and writing results.md,
 * results.json, SVG charts and report.html into --out.
 */
import { join } from 'node:path';
import { runCooling } from './cooling.js';
import { runGradientFlow } from './gradient-flow.js';
import { runLangevin } from './langevin.js';
import { runNoiseScale } from './noise-scale.js';
import { timestampedDir } from '../run-dir.js';
import {
  terminalTable,
  writeLabResult,
  type LabOptions,
  type LabResult,
  type PluginFactory,
} from './results.js';
import { runRunningAverage } from './running-average.js';
import { runTemperature } from './temperature.js';

export const EXPERIMENTS: Record<
  string,
  { description: string; run: (opts: LabOptions) => Promise<LabResult> }
> = {
  temperature: {
    description: 'η0 = η/((1−μ)B) alone sets the stationary loss and its fluctuation',
    run: runTemperature,
  },
  cooling: {
    description: 'hot-then-cold schedules end lower than constant temperatures',
    run: runCooling,
  },
  'running-average': {
    description: 'velocity and running-average momentum: equal at constant η, not under a schedule',
    run: runRunningAverage,
  },
  langevin: {
    description: 'SGD covariance solves H C + C H = ηΣ/B, not T·H⁻¹; Langevin gives T·H⁻¹',
    run: runLangevin,
  },
  'gradient-flow': { description: 'SGD approaches gradient flow as η0 → 0', run: runGradientFlow },
  'noise-scale': {
    description: 'gradient noise scale through training and steps to a target around it',
    run: runNoiseScale,
  },
};

export interface RunLabOptions {
  seed: number;
  quick: boolean;
  /** Output directory (default runs/lab/<name>/<timestamp>, new per run); false: write nothing. */
  out?: string | false;
  log: (line: string) => void;
  /** Where the experiment gets its optimizer plugins (default the registry; tests plant wrong ones). */
  plugins?: PluginFactory;
}

/** Runs one experiment, prints its table and writes its files; returns the result. */
export async function runLab(name: string, o: RunLabOptions): Promise<LabResult> {
  const experiment = EXPERIMENTS[name];
  if (!experiment)
    throw new Error(
      `lab: unknown experiment '${name}'; available: ${Object.keys(EXPERIMENTS).join(', ')}`,
    );
  const result = await experiment.run({
    seed: o.seed,
    quick: o.quick,
    log: o.log,
    plugins: o.plugins,
  });
  o.log(terminalTable(result));
  if (o.out !== false) {
    const out = o.out ?? timestampedDir(join('runs', 'lab', name));
    const files = await writeLabResult(out, result);
    o.log(`wrote ${out}/{${files.join(',')}}`);
  }
  return result;
}
