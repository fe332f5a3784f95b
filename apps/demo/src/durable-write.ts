/**
 * Writes that are complete or absent. Node's fs.writeSync may return a short count instead of
 * throwing when the disk fills (ENOSPC), so every write here loops until all bytes are written and
 * treats a write that makes no progress as "no space left on device". Whole files go to a
 * temporary file in the same directory, are fsynced, renamed over the target and the directory is
 * fsynced: a crash or a full disk leaves either the old file or the new one, never half of one,
 * and on failure the temporary file is removed and the old file kept.
 *
 * No library is used because none checks short writes and fsyncs the directory as well
 * (write-file-atomic does neither); the fs calls go through `durableFs` so that tests can inject a
 * fault (a short write, ENOSPC) where no small file system can be mounted.
 */
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  fstatSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The fs calls made here; tests replace one to inject a fault. */
export const durableFs = {
  openSync,
  writeSync: writeSync as (
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
  ) => number,
  fsyncSync,
  ftruncateSync,
  closeSync,
  renameSync,
  unlinkSync,
};

export class WriteError extends Error {
  override name = 'WriteError';
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** "no space left on device (ENOSPC)" from a Node system error, else its message. */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && typeof e.message === 'string') {
    // System errors read "ENOSPC: no space left on device, write"; keep the description.
    const description = /^[A-Z]+: ([^,]+)/.exec(e.message)?.[1] ?? e.message;
    return `${description} (${e.code})`;
  }
  return String((err as Error)?.message ?? err);
}

/** Writes all of `bytes` at the file's current offset, or throws ENOSPC when a write stalls. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    const written = durableFs.writeSync(fd, bytes, offset, bytes.length - offset);
    if (!(written > 0)) {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
        code: 'ENOSPC',
      });
    }
    offset += written;
  }
}

/** fsync of a directory makes a rename in it durable; some file systems refuse it (harmless). */
function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = durableFs.openSync(dir, 'r');
    durableFs.fsyncSync(fd);
  } catch {
    // The rename is atomic either way; only its durability across a power cut is weaker.
  } finally {
    if (fd !== undefined) durableFs.closeSync(fd);
  }
}

/** The temporary file a write of `path` by this process goes through. */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

const TEMPORARY = /^\..+\.(\d+)\.tmp$/;

/**
 * Removes temporary files that a killed process left in `dir` (those of a live process other than
 * this one are left alone: it may be writing). Returns the names removed.
 */
export function removeStaleTemporaries(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = TEMPORARY.exec(name)?.[1];
    if (pid === undefined) continue;
    if (Number(pid) !== process.pid && processIsAlive(Number(pid))) continue;
    try {
      durableFs.unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // Gone already.
    }
  }
  return removed;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Replaces `path` with `chunks` atomically and durably; on any failure `path` is unchanged and the
 * error says so, calling the file `what` ("the previous checkpoint is kept").
 */
export function writeFileDurably(
  path: string,
  chunks: (string | Uint8Array)[],
  what = 'file',
): void {
  const tmp = temporaryPath(path);
  let fd: number | undefined;
  try {
    fd = durableFs.openSync(tmp, 'w');
    for (const chunk of chunks)
      writeAll(fd, typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    durableFs.fsyncSync(fd);
    durableFs.closeSync(fd);
    fd = undefined;
    durableFs.renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        durableFs.closeSync(fd);
      } catch {
        // Already failing; the write's error is the one to report.
      }
    }
    try {
      durableFs.unlinkSync(tmp);
    } catch {
      // Not created, or already renamed.
    }
    throw new WriteError(
      path,
      (err as NodeJS.ErrnoException).code,
      `cannot write ${path}: ${describeFsError(err)}; the previous ${what} is kept`,
    );
  }
  fsyncDirectory(dirname(path));
}

/**
 * Appends `text` to `path` (created if missing) and fsyncs it; on failure the file is cut back to
 * its previous length, so it never ends in half a line.
 */
export function appendDurably(path: string, text: string): void {
  if (text.length === 0) return;
  let fd: number | undefined;
  let size = 0;
  try {
    fd = durableFs.openSync(path, 'a');
    size = fstatSync(fd).size;
    writeAll(fd, Buffer.from(text, 'utf8'));
    durableFs.fsyncSync(fd);
  } catch (err) {
    if (fd !== undefined) {
      try {
        durableFs.ftruncateSync(fd, size);
      } catch {
        // Resume cuts the file back to the checkpoint anyway.
      }
    }
    throw new WriteError(
      path,
      (err as NodeJS.ErrnoException).code,
      `cannot append to ${path}: ${describeFsError(err)}`,
    );
  } finally {
    if (fd !== undefined) durableFs.closeSync(fd);
  }
}
