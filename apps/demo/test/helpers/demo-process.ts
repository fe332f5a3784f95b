/**
 * The demo CLI as a separate process, for the faults a test cannot make in its own process
 * (kill -9, signals): src/cli.ts bundled once into one file by the same bundler the gpu.js
 * device check uses, next to a copy of package.json (the run's summary reads the version).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultMnistDir } from '@thermograd/data';
import { bundleForNode } from '../../../../packages/backend-gpujs/device/bundle.mjs';

/** Bundles the CLI; resolves to the path of a script `node` can run from any directory. */
export async function bundleDemoCli(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'thermograd-demo-cli-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(
    fileURLToPath(new URL('../../package.json', import.meta.url)),
    join(dir, 'package.json'),
  );
  const script = join(dir, 'bin', 'cli.mjs');
  // Only --backend gpu imports the gpu.js backend; these tests use the others.
  await bundleForNode(
    fileURLToPath(new URL('../../src/cli.ts', import.meta.url)),
    script,
    'silent',
    ['@thermograd/backend-gpujs'],
  );
  return script;
}

/** Flags for a tiny, fast run on the installed MNIST files (the bundle cannot find them itself). */
export const tinyRunFlags = (): string[] => [
  '--data',
  defaultMnistDir(),
  '--limit',
  '1000',
  '--validation',
  '200',
  '--hidden',
  '16',
  '--batch',
  '32',
  '--eval-size',
  '100',
  '--log-every',
  '5',
  '--seed',
  '3',
];

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `node script ...args`; `done` resolves when it exits, with its output. */
export function startDemo(
  script: string,
  args: string[],
): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Finished>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Resolves once the child's stdout contains `text`. */
export function waitForOutput(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.on('exit', () => reject(new Error(`exited before printing '${text}':\n${seen}`)));
  });
}
