/**
 * Checkpoint files: written atomically and verified on load.
 *
 * Layout: one JSON header line `{"format":"thermograd-checkpoint","version":1,"sha256":...,"bytes":...}`
 * then the JSON body. The checksum covers the body's exact bytes, so any truncation or bit flip is
 * caught before a single value is used. Writing goes to a temporary file in the same directory,
 * fsynced, then renamed over the target: a crash leaves either the old checkpoint or the new one,
 * never half of one.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

const FORMAT = 'thermograd-checkpoint';
const VERSION = 1;

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export function saveCheckpoint(path: string, body: unknown): void {
  const text = JSON.stringify(body);
  const bytes = Buffer.from(text, 'utf8');
  const header = JSON.stringify({
    format: FORMAT,
    version: VERSION,
    sha256: sha256(bytes),
    bytes: bytes.length,
  });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, header + '\n');
    writeSync(fd, bytes);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  // Make the rename itself durable.
  try {
    const dirFd = openSync(dirname(path), 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  }
}

export function loadCheckpoint<T = unknown>(path: string): T {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new CheckpointError(
      `checkpoint ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  const newline = raw.indexOf(0x0a);
  if (newline < 0)
    throw new CheckpointError(`checkpoint ${path}: not a thermograd checkpoint (no header line)`);
  let header: { format?: string; version?: number; sha256?: string; bytes?: number };
  try {
    header = JSON.parse(raw.subarray(0, newline).toString('utf8'));
  } catch {
    throw new CheckpointError(
      `checkpoint ${path}: not a thermograd checkpoint (unreadable header)`,
    );
  }
  if (header.format !== FORMAT)
    throw new CheckpointError(
      `checkpoint ${path}: not a thermograd checkpoint (format ${String(header.format)})`,
    );
  if (header.version !== VERSION)
    throw new CheckpointError(
      `checkpoint ${path}: unsupported version ${String(header.version)} (this build reads ${VERSION})`,
    );
  const body = raw.subarray(newline + 1);
  if (body.length !== header.bytes) {
    throw new CheckpointError(
      `checkpoint ${path}: truncated or padded: body has ${body.length} bytes, header says ${header.bytes}`,
    );
  }
  if (sha256(body) !== header.sha256)
    throw new CheckpointError(`checkpoint ${path}: checksum mismatch: the file is corrupt`);
  return JSON.parse(body.toString('utf8')) as T;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
