import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { IdxError, encodeIdx, idxMagic, parseIdx, readIdx } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'thermograd-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** Expects fn to throw an IdxError with this code whose message names `file` and matches `pattern`. */
function expectIdxError(fn: () => unknown, file: string, code: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(IdxError);
  const err = caught as IdxError;
  expect(err.message).toContain(file);
  expect(err.message).toMatch(pattern);
  expect(err.code).toBe(code);
  expect(err.file).toBe(file);
}

// A hand-written 2×3 unsigned-byte file: magic 00 00 08 02, dims 2 and 3 big-endian, then 6 bytes.
const HAND_WRITTEN = new Uint8Array([
  0, 0, 0x08, 0x02, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 250, 251, 255,
]);

describe('readIdx', () => {
  it('reads a hand-written unsigned-byte file into a Uint8Array', () => {
    const file = write('hand-idx2-ubyte', HAND_WRITTEN);
    const idx = readIdx(file);
    expect(idx.type).toBe('uint8');
    expect(idx.dims).toEqual([2, 3]);
    expect(idx.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(idx.data)).toEqual([1, 2, 3, 250, 251, 255]);
    expect(idx.file).toBe(file);
  });

  it('decodes big-endian multi-byte types from hand-written bytes', () => {
    const header = (type: number, n: number) => [0, 0, type, 1, 0, 0, 0, n];
    const int16 = parseIdx(new Uint8Array([...header(0x0b, 2), 0x01, 0x02, 0xff, 0xfe]), 'mem');
    expect(int16.data).toBeInstanceOf(Int16Array);
    expect(Array.from(int16.data)).toEqual([258, -2]);
    const int32 = parseIdx(new Uint8Array([...header(0x0c, 1), 0x00, 0x01, 0x00, 0x02]), 'mem');
    expect(Array.from(int32.data)).toEqual([65538]);
    // 0x3FC00000 is 1.5 in IEEE-754 single precision; 0x4004000000000000 is 2.5 in double.
    const f32 = parseIdx(new Uint8Array([...header(0x0d, 1), 0x3f, 0xc0, 0, 0]), 'mem');
    expect(f32.type).toBe('float32');
    expect(Array.from(f32.data)).toEqual([1.5]);
    const f64 = parseIdx(new Uint8Array([...header(0x0e, 1), 0x40, 0x04, 0, 0, 0, 0, 0, 0]), 'mem');
    expect(Array.from(f64.data)).toEqual([2.5]);
    const int8 = parseIdx(new Uint8Array([...header(0x09, 2), 0x7f, 0x80]), 'mem');
    expect(Array.from(int8.data)).toEqual([127, -128]);
  });

  it('round-trips every type through encodeIdx, plain and gzipped', () => {
    const cases = [
      ['uint8', [0, 7, 255, 128]],
      ['int8', [-128, -1, 0, 127]],
      ['int16', [-32768, -2, 300, 32767]],
      ['int32', [-2147483648, -5, 70000, 2147483647]],
      ['float32', [-1.5, 0, 0.25, 2 ** 30]],
      ['float64', [-Math.PI, 0, 1e-300, 2 ** 60]],
    ] as const;
    for (const [type, values] of cases) {
      const bytes = encodeIdx(type, [2, 2], values);
      expect((bytes[2] << 8) | bytes[3]).toBe(idxMagic(type, 2));
      for (const [name, content] of [
        [`${type}.idx`, bytes],
        [`${type}.idx.gz`, gzipSync(bytes)],
      ] as const) {
        const idx = readIdx(write(name, content));
        expect(idx.type).toBe(type);
        expect(idx.dims).toEqual([2, 2]);
        expect(Array.from(idx.data)).toEqual([...values]);
      }
    }
  });

  it('detects gzip by its magic bytes, not by the file name', () => {
    expect(Array.from(readIdx(write('gz-without-extension', gzipSync(HAND_WRITTEN))).data)).toEqual(
      [1, 2, 3, 250, 251, 255],
    );
    expect(Array.from(readIdx(write('plain-with-extension.gz', HAND_WRITTEN)).data)).toEqual([
      1, 2, 3, 250, 251, 255,
    ]);
  });

  it('reads the MNIST magic numbers and checks rank and type expectations', () => {
    expect(idxMagic('uint8', 3)).toBe(0x00000803);
    expect(idxMagic('uint8', 1)).toBe(0x00000801);
    const images = readIdx(
      write('small-images', encodeIdx('uint8', [2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7])),
      { rank: 3, types: ['uint8'] },
    );
    expect(images.dims).toEqual([2, 2, 2]);
  });
});

describe('readIdx errors name the file', () => {
  it('missing file', () => {
    const file = join(dir, 'does-not-exist-idx3-ubyte');
    expectIdxError(() => readIdx(file), file, 'NOT_FOUND', /not found/);
  });

  it('truncated data (fewer bytes than the header says), plain and gzipped', () => {
    const short = HAND_WRITTEN.subarray(0, HAND_WRITTEN.length - 2);
    const plain = write('truncated', short);
    expectIdxError(
      () => readIdx(plain),
      plain,
      'TRUNCATED',
      /truncated: header says \[2, 3\] uint8 = 18 bytes, file has 16/,
    );
    const gz = write('truncated.gz', gzipSync(short));
    expectIdxError(() => readIdx(gz), gz, 'TRUNCATED', /truncated/);
  });

  it('truncated header and an empty file', () => {
    const header = write('short-header', HAND_WRITTEN.subarray(0, 9));
    expectIdxError(() => readIdx(header), header, 'TRUNCATED', /shorter than its 12-byte header/);
    const empty = write('empty', new Uint8Array(0));
    expectIdxError(() => readIdx(empty), empty, 'TRUNCATED', /0 bytes/);
  });

  it('trailing garbage', () => {
    const file = write('trailing', new Uint8Array([...HAND_WRITTEN, 9, 9, 9]));
    expectIdxError(() => readIdx(file), file, 'TRAILING', /3 trailing bytes/);
  });

  it('wrong magic number', () => {
    const png = write('not-idx.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
    expectIdxError(
      () => readIdx(png, { rank: 3, types: ['uint8'], role: 'images' }),
      png,
      'MAGIC',
      /wrong magic number 0x89504e47 \(expected 0x00000803\)/,
    );
    const badType = write('bad-type', new Uint8Array([0, 0, 0x07, 1, 0, 0, 0, 0]));
    expectIdxError(() => readIdx(badType), badType, 'MAGIC', /wrong magic number 0x00000701/);
    const rank0 = write('rank-zero', new Uint8Array([0, 0, 0x08, 0]));
    expectIdxError(() => readIdx(rank0), rank0, 'MAGIC', /0x00000800/);
  });

  it('wrong dimensionality: a labels file where images are expected', () => {
    const labels = write('labels-idx1-ubyte', encodeIdx('uint8', [3], [1, 2, 3]));
    expectIdxError(
      () => readIdx(labels, { rank: 3, types: ['uint8'], role: 'images' }),
      labels,
      'DIMS',
      /images file .* magic number 0x00000801 says 1 dimension, expected 3/,
    );
  });

  it('an element type the caller does not accept', () => {
    const floats = write('float-images', encodeIdx('float32', [1, 1, 1], [0.5]));
    expectIdxError(
      () => readIdx(floats, { rank: 3, types: ['uint8'], role: 'images' }),
      floats,
      'TYPE',
      /float32 \(0x0d\).*expected uint8/,
    );
  });

  it('corrupt gzip', () => {
    const gz = gzipSync(HAND_WRITTEN);
    const cut = write('cut.gz', gz.subarray(0, gz.length - 10));
    expectIdxError(() => readIdx(cut), cut, 'GZIP', /corrupt gzip data/);
    const garbled = new Uint8Array(gz);
    for (let i = 10; i < garbled.length; i++) garbled[i] ^= 0x5a;
    const bad = write('garbled.gz', garbled);
    expectIdxError(() => readIdx(bad), bad, 'GZIP', /corrupt gzip data/);
  });
});
