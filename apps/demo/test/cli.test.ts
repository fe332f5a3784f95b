import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli.js';

describe('CLI argument errors', () => {
  let errors: string[];
  beforeEach(() => {
    errors = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      errors.push(String(chunk));
      return true;
    });
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args.join(' '));
    });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  const cases: [string[], RegExp][] = [
    [['--bogus'], /unknown option '--bogus'/],
    [['--batch', '0'], /--batch must be a positive integer, got '0'/],
    [['--batch', 'abc'], /--batch must be a positive integer, got 'abc'/],
    [['--mu', '1'], /--mu must be in \[0, 1\), got '1'/],
    [['--eta0', '-1'], /--eta0 must be a positive number, got '-1'/],
    [['--model', 'resnet'], /argument 'resnet' is invalid. Allowed choices are mlp, cnn/],
    [
      ['--schedule', 'linear'],
      /Allowed choices are constant, step, multistep, exponential, cosine, warmup-cosine, onecycle/,
    ],
    [
      ['--optimizer', 'adam', '--limit', '200', '--validation', '50'],
      /--optimizer: unknown plugin 'adam'; known: (?=.*\bsgd\b)(?=.*\bmomentum\b)(?=.*\blangevin\b)/,
    ],
    [
      ['--eta0', '0.001', '--lr', '0.1', '--limit', '200', '--validation', '50'],
      /either --eta0 \(a temperature\) or --lr/,
    ],
    [
      ['--optimizer', 'sgd', '--temperature', '0.1', '--limit', '200', '--validation', '50'],
      /--temperature is the Langevin temperature T/,
    ],
    [['--backend', 'tpu'], /unknown backend 'tpu'; available: .*reference/],
    [['--hidden', '256,x'], /--hidden must be positive integers, got 'x'/],
    [
      ['--resume', '/nonexistent/checkpoint.json'],
      /checkpoint \/nonexistent\/checkpoint.json: cannot read \(ENOENT\)/,
    ],
    [
      ['--optimizer', 'sgd', '--nesterov', '--limit', '200', '--validation', '50'],
      /--nesterov has no effect with --optimizer sgd \(sgd takes eta, eta0, batchSize\)/,
    ],
    [
      ['--optimizer', 'weight-decay', '--limit', '200', '--validation', '50'],
      /--optimizer weight-decay is not an optimizer the demo can run: use --weight-decay <lambda>/,
    ],
    [
      ['--optimizer', 'chain', '--limit', '200', '--validation', '50'],
      /--optimizer chain is not an optimizer the demo can run/,
    ],
    [
      ['--optimizer', 'clip-by-value', '--limit', '200', '--validation', '50'],
      /--optimizer clip-by-value is not an optimizer the demo can run: clip by global norm with --clip-norm/,
    ],
    [
      ['--checkpoint-every', '10x'],
      /--checkpoint-every must be a number of steps \(500\) or of seconds \(60s\)/,
    ],
    [['--checkpoint-every', '0'], /--checkpoint-every must be/],
  ];
  for (const [argv, message] of cases) {
    it(`${argv.join(' ')} fails with a clear message`, async () => {
      const code = await main(argv);
      expect(code).not.toBe(0);
      expect(errors.join('')).toMatch(message);
    });
  }

  it('a flag error is one line naming the problem and pointing to --help, not the whole help', async () => {
    expect(await main(['--batch', '0'])).not.toBe(0);
    const text = errors.join('');
    expect(text.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^error: .*--batch must be a positive integer, got '0' \(see --help\)$/,
      ),
    ]);
  });

  for (const argv of [['--help'], ['train', '--help'], ['--epochs', '3', '--help']]) {
    it(`${argv.join(' ')} prints the training flags and exits 0`, async () => {
      const out: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        out.push(String(chunk));
        return true;
      });
      expect(await main(argv)).toBe(0);
      const text = out.join('');
      expect(text).toContain('lab <experiment>');
      expect(text).toMatch(
        /--optimizer <name> +optimizer plugin: (?!.*\bchain\b)(?!.*clip-by-value)/,
      );
      for (const flag of [
        '--optimizer',
        '--eta0',
        '--lr',
        '--batch',
        '--mu',
        '--temperature',
        '--schedule',
        '--epochs',
        '--seed',
        '--backend',
        '--out',
        '--resume',
        '--data',
        '--checkpoint-every',
        '--overwrite',
      ]) {
        expect(text).toContain(flag);
      }
    });
  }
});
