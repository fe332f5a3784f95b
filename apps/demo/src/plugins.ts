/**
 * Optimizer plugin modules named by --plugin on the command line, and only there: a checkpoint is
 * data and never chooses code to run (it records the plugin's path for the message that asks for
 * it on --resume, nothing more).
 *
 * A module may register its optimizer when imported, or export register(optim), which gets this
 * process's @thermograd/optim. A module that does not parse or throws at import is an error naming
 * the file and the line.
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import * as optim from '@thermograd/optim';

export class PluginLoadError extends Error {
  override name = 'PluginLoadError';
}

export async function loadPluginModules(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const url = pathToFileURL(path).href;
    let loaded: { register?: (o: typeof optim) => unknown };
    try {
      loaded = (await import(url)) as typeof loaded;
      if (typeof loaded.register === 'function') await loaded.register(optim);
    } catch (err) {
      throw new PluginLoadError(`--plugin ${where(path, url, err)}: ${describe(err)}`);
    }
  }
}

function describe(err: unknown): string {
  const e = err as Error;
  return e?.name && e.message ? `${e.name}: ${e.message}` : String(err);
}

/** "file:line" where the error arose in the module, if its stack or a syntax check says. */
function where(path: string, url: string, err: unknown): string {
  const stack = String((err as Error)?.stack ?? '');
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const line = new RegExp(`(?:${escape(url)}|${escape(path)}):(\\d+)`).exec(stack)?.[1];
  if (line) return `${path}:${line}`;
  // Node's syntax errors in ES modules carry no location; `node --check` prints "file:line".
  try {
    execFileSync(process.execPath, ['--check', path], { stdio: 'pipe' });
  } catch (check) {
    const output = String((check as { stderr?: Buffer }).stderr ?? '');
    const checked = /:(\d+)\r?\n/.exec(output)?.[1];
    if (checked) return `${path}:${checked}`;
  }
  return path;
}
