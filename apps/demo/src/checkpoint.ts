/**
 * Checkpoint files: written atomically and verified on load.
 *
 * Layout: one JSON header line `{"format":"thermograd-checkpoint","version":1,"sha256":...,"bytes":...}`
 * then the JSON body. The checksum covers the body's exact bytes, so any truncation or bit flip is
 * caught before a single value is used. Writing is durable-write.ts's: every byte checked, a
 * temporary file fsynced and renamed over the target, so a crash or a full disk leaves either the
 * old checkpoint or the new one, never half of one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  CHECKPOINT_FORMAT as FORMAT,
  CHECKPOINT_VERSION as VERSION,
  checkpointHeader,
} from './checkpoint-format.js';
import { writeFileDurably } from './durable-write.js';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export function saveCheckpoint(path: string, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  writeFileDurably(path, [checkpointHeader(bytes, sha256(bytes)) + '\n', bytes], 'checkpoint');
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
