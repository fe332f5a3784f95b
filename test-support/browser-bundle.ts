/**
 * Browser bundles for tests: esbuild bundles a package entry (from source) for
 * `--platform=browser`, and the bundle runs in a bare JavaScript context with none of Node's
 * globals (no process, require, Buffer), only what a browser also has and the test passes in.
 */
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';

/**
 * Bundles `entry` (a file, or module text whose imports resolve from `resolveDir`) as a browser
 * script that leaves its exports in `globalThis.bundle`.
 */
export async function browserBundle(
  entry: string | { contents: string; resolveDir: string },
): Promise<string> {
  const result = await build({
    ...(typeof entry === 'string' ? { entryPoints: [entry] } : { stdin: entry }),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'bundle',
    conditions: ['source'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/**
 * Runs `bundleCode` then `script` (which sees the exports as `bundle` and reports through
 * `globalThis.result`) in a new context holding only `globals`; returns the result.
 */
export function runInBareContext(
  bundleCode: string,
  script: string,
  globals: Record<string, unknown> = {},
): unknown {
  const context: Record<string, unknown> = { ...globals };
  runInNewContext(`${bundleCode}\n${script}`, context);
  return context.result;
}
