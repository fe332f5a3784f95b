/**
 * Writes that are complete or absent: a full disk (a short write, ENOSPC) or a failure at fsync or
 * rename keeps the previous checkpoint and leaves no temporary file. The faults are injected
 * through durable-write.ts's fs seam; the full-disk test on a real 16 MiB tmpfs is in
 * full-disk.test.ts.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../src/checkpoint.js';
import {
  appendDurably,
  durableFs,
  removeStaleTemporaries,
  temporaryPath,
  WriteError,
} from '../src/durable-write.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'thermograd-durable-'));
const enospc = () =>
  Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

afterEach(() => vi.restoreAllMocks());

describe('checkpoint writes under faults', () => {
  const previous = { step: 10, values: [1, 2, 3] };
  const next = { step: 20, values: Array.from({ length: 5000 }, (_, i) => i / 7) };

  const faults: [string, () => void][] = [
    [
      // What Node does on a nearly full disk: a short count, then 0 bytes, no exception.
      'a short write, then no progress',
      () => {
        let calls = 0;
        const real = durableFs.writeSync;
        vi.spyOn(durableFs, 'writeSync').mockImplementation((fd, buffer, offset, length) => {
          calls++;
          if (calls === 1) return real(fd, buffer, offset, Math.min(length, 10));
          if (calls === 2) return real(fd, buffer, offset, Math.min(length, 1000));
          return 0;
        });
      },
    ],
    [
      'ENOSPC thrown by write',
      () => {
        vi.spyOn(durableFs, 'writeSync').mockImplementation(() => {
          throw enospc();
        });
      },
    ],
    [
      'ENOSPC at fsync',
      () => {
        vi.spyOn(durableFs, 'fsyncSync').mockImplementationOnce(() => {
          throw enospc();
        });
      },
    ],
    [
      'EIO at rename',
      () => {
        vi.spyOn(durableFs, 'renameSync').mockImplementation(() => {
          throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
        });
      },
    ],
  ];
  for (const [fault, inject] of faults) {
    it(`${fault}: the previous checkpoint survives, the error names the file and cause, no temporary file stays`, () => {
      const dir = tmp();
      const path = join(dir, 'checkpoint.json');
      saveCheckpoint(path, previous);
      inject();
      let error: unknown;
      try {
        saveCheckpoint(path, next);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(WriteError);
      const message = (error as Error).message;
      expect(message).toContain(path);
      expect(message).toMatch(
        fault.includes('EIO') ? /i\/o error \(EIO\)/ : /no space left on device \(ENOSPC\)/,
      );
      expect(message).toContain('the previous checkpoint is kept');
      vi.restoreAllMocks();
      expect(loadCheckpoint(path)).toEqual(previous);
      expect(readdirSync(dir)).toEqual(['checkpoint.json']);
    });
  }

  it('short writes that keep making progress still write the whole file', () => {
    const dir = tmp();
    const path = join(dir, 'checkpoint.json');
    const real = durableFs.writeSync;
    vi.spyOn(durableFs, 'writeSync').mockImplementation((fd, buffer, offset, length) =>
      real(fd, buffer, offset, Math.min(length, 333)),
    );
    saveCheckpoint(path, next);
    vi.restoreAllMocks();
    expect(loadCheckpoint(path)).toEqual(next);
  });
});

describe('appending metrics', () => {
  it('a failed append leaves the file as it was (no half line)', () => {
    const path = join(tmp(), 'metrics.jsonl');
    appendDurably(path, '{"step":1}\n');
    const real = durableFs.writeSync;
    let calls = 0;
    vi.spyOn(durableFs, 'writeSync').mockImplementation((fd, buffer, offset) =>
      ++calls === 1 ? real(fd, buffer, offset, 5) : 0,
    );
    expect(() => appendDurably(path, '{"step":2}\n{"step":3}\n')).toThrow(
      /cannot append to .*metrics\.jsonl: no space left on device \(ENOSPC\)/,
    );
    vi.restoreAllMocks();
    expect(readFileSync(path, 'utf8')).toBe('{"step":1}\n');
  });
});

describe('stale temporary files', () => {
  it('are removed for dead processes and this one, kept for a live other process', () => {
    const dir = tmp();
    const dead = join(dir, '.checkpoint.json.999999999.tmp');
    const own = temporaryPath(join(dir, 'checkpoint.json'));
    const live = join(dir, `.checkpoint.json.${process.ppid}.tmp`);
    for (const f of [dead, own, live]) writeFileSync(f, 'partial');
    writeFileSync(join(dir, 'notes.tmp'), 'not ours');
    expect(removeStaleTemporaries(dir).sort()).toEqual(
      ['.checkpoint.json.999999999.tmp', `.checkpoint.json.${process.pid}.tmp`].sort(),
    );
    expect(readdirSync(dir).sort()).toEqual(
      [`.checkpoint.json.${process.ppid}.tmp`, 'notes.tmp'].sort(),
    );
  });
});
