/**
 * Where a run writes: a new directory per run. A directory that already holds files is refused
 * unless the caller continues the run in it (--resume) or asks to replace it (--overwrite), so no
 * run silently overwrites another.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeStaleTemporaries } from './durable-write.js';

export class RunDirectoryError extends Error {
  override name = 'RunDirectoryError';
}

/** `parent/<UTC timestamp>`, e.g. runs/2026-12-02T03-41-07-123Z: a fresh name per run. */
export function timestampedDir(parent: string, now = new Date()): string {
  return join(parent, now.toISOString().replace(/[:.]/g, '-'));
}

/**
 * Makes `dir` ready for a new run: created when missing; when it holds files, refused unless
 * `overwrite`, which removes the files a run writes (`runFiles`; other files are left alone).
 * Temporary files a killed run left behind are removed either way.
 */
export function claimRunDirectory(
  dir: string,
  options: { overwrite: boolean; runFiles: readonly string[]; resumeHint?: string },
): void {
  const present = existsSync(dir) ? readdirSync(dir).filter((n) => !n.endsWith('.tmp')) : [];
  if (present.length > 0) {
    if (!options.overwrite) {
      const shown = present.slice(0, 4).join(', ') + (present.length > 4 ? ', …' : '');
      throw new RunDirectoryError(
        `--out ${dir} already holds files (${shown}); ` +
          (options.resumeHint ? `continue that run with --resume ${options.resumeHint}, ` : '') +
          'give a new directory, or replace it with --overwrite',
      );
    }
    for (const name of options.runFiles) rmSync(join(dir, name), { force: true });
  }
  mkdirSync(dir, { recursive: true });
  removeStaleTemporaries(dir);
}
