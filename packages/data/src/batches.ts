/**
 * Seeded shuffling, minibatches and a deterministic validation split.
 *
 * Two ways to sample minibatches:
 * - 'shuffle' (default): shuffled epochs. Each epoch's order is a permutation, so every example is
 *   visited once per epoch and the batches of one epoch are drawn without replacement.
 * - 'replacement': every example of every batch drawn independently and uniformly, so batches
 *   are independent. An "epoch" is then n draws (the same number of batches per epoch).
 * Independent minibatches are what the Langevin picture of SGD assumes (the stationary covariance
 * solving H C + C H = ηΣ/B); shuffled epochs give a smaller stationary covariance when an epoch is
 * short against the relaxation time, since within an epoch the batches' noise is anticorrelated
 * (it sums to zero over a full epoch).
 *
 * Either way an epoch's order comes from a Generator seeded by (seed, epoch) alone, so it does
 * not depend on how many epochs ran before: a run resumed from a checkpoint that saved
 * { seed, epoch, step } continues with exactly the batches the uninterrupted run would have seen,
 * even mid-epoch.
 */
import { Generator } from '@thermograd/autograd';
import type { Dataset } from './mnist.js';

export type Seed = number | string;

/** The order in which epoch `epoch` visits examples 0..n−1; the same for the same (n, seed, epoch). */
export function epochPermutation(n: number, seed: Seed, epoch: number): Int32Array {
  if (!(Number.isInteger(n) && n >= 0))
    throw new RangeError(`epochPermutation: n must be a non-negative integer, got ${n}`);
  if (!(Number.isInteger(epoch) && epoch >= 0))
    throw new RangeError(`epochPermutation: epoch must be a non-negative integer, got ${epoch}`);
  return new Generator(`thermograd/shuffle/${seed}/epoch/${epoch}`).permutation(n);
}

/** 'shuffle': shuffled epochs (without replacement); 'replacement': independent uniform draws. */
export type Sampling = 'shuffle' | 'replacement';
export const SAMPLINGS: readonly Sampling[] = ['shuffle', 'replacement'];

/** Epoch `epoch` of sampling with replacement: n independent uniform draws from 0..n−1. */
export function epochDraws(n: number, seed: Seed, epoch: number): Int32Array {
  if (!(Number.isInteger(n) && n >= 0))
    throw new RangeError(`epochDraws: n must be a non-negative integer, got ${n}`);
  if (!(Number.isInteger(epoch) && epoch >= 0))
    throw new RangeError(`epochDraws: epoch must be a non-negative integer, got ${epoch}`);
  const rng = new Generator(`thermograd/replacement/${seed}/epoch/${epoch}`);
  return Int32Array.from({ length: n }, () => rng.int(n));
}

export interface BatcherOptions {
  batchSize: number;
  /** 'shuffle' (shuffled epochs, the default) or 'replacement' (independent batches); needs a seed. */
  sampling?: Sampling;
  /** Seed of the shuffling; required when shuffle is on. */
  seed?: Seed;
  /** Default true. With false, every epoch visits examples in order (for evaluation). */
  shuffle?: boolean;
  /** Drop the last, smaller batch of each epoch. Default false (it is kept). */
  dropLast?: boolean;
  /** Where to start (from a saved BatcherState); default epoch 0, step 0. */
  start?: BatcherPosition;
}

export interface BatcherPosition {
  /** Epoch of the next batch. */
  epoch: number;
  /** Index of the next batch within its epoch. */
  step: number;
}

/** Everything needed to continue exactly; plain data, fit for a checkpoint. */
export interface BatcherState extends BatcherPosition {
  seed: Seed | null;
  batchSize: number;
  n: number;
  shuffle: boolean;
  dropLast: boolean;
  /** Absent in states saved before sampling existed: those are 'shuffle'. */
  sampling?: Sampling;
}

/**
 * One minibatch. `images` and `labels` are views of buffers the Batcher reuses: the next call to
 * next() overwrites them, so copy anything that must outlive the step.
 */
export interface Batch {
  /** [size, features] pixels. */
  images: Float32Array;
  /** [size] labels. */
  labels: Int32Array;
  /**
   * Dataset indices of the examples, in batch order (a view of the epoch's order; read-only). With
   * sampling 'replacement' an index may repeat.
   */
  indices: Int32Array;
  /** Number of examples (batchSize, or fewer for the last batch of an epoch). */
  size: number;
  epoch: number;
  /** Index of this batch within its epoch. */
  step: number;
  /** True for the final batch of its epoch. */
  lastInEpoch: boolean;
}

/**
 * Draws minibatches from a Dataset forever, epoch after epoch, copying each batch's examples into
 * reused buffers ([batchSize, features] Float32Array and [batchSize] Int32Array).
 */
export class Batcher {
  readonly batchSize: number;
  readonly features: number;
  readonly n: number;
  /** Batches per epoch: ceil(n / batchSize), or floor when dropLast. */
  readonly stepsPerEpoch: number;
  private readonly seed: Seed | null;
  private readonly shuffle: boolean;
  private readonly dropLast: boolean;
  private readonly sampling: Sampling;
  private epoch: number;
  private step: number;
  private order: Int32Array | null = null;
  private orderEpoch = -1;
  private readonly imageBuffer: Float32Array;
  private readonly labelBuffer: Int32Array;
  private readonly fullViews: { images: Float32Array; labels: Int32Array };
  private readonly tailViews: { images: Float32Array; labels: Int32Array };
  private readonly tailSize: number;

  constructor(
    private readonly data: Dataset,
    options: BatcherOptions,
  ) {
    const { batchSize } = options;
    if (!(Number.isInteger(batchSize) && batchSize >= 1))
      throw new RangeError(`Batcher: batchSize must be a positive integer, got ${batchSize}`);
    this.n = data.n;
    this.features = data.rows * data.cols;
    if (data.images.length !== data.n * this.features || data.labels.length !== data.n) {
      throw new RangeError(
        `Batcher: dataset arrays disagree with n=${data.n}, ${data.rows}×${data.cols}: ` +
          `${data.images.length} pixels (expected ${data.n * this.features}), ${data.labels.length} labels`,
      );
    }
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
    this.sampling = options.sampling ?? 'shuffle';
    if (!SAMPLINGS.includes(this.sampling))
      throw new RangeError(
        `Batcher: sampling must be ${SAMPLINGS.map((m) => `'${m}'`).join(' or ')}, got ${JSON.stringify(this.sampling)}`,
      );
    if (!this.shuffle && this.sampling === 'replacement')
      throw new TypeError(
        "Batcher: sampling 'replacement' draws random examples; it cannot be combined with shuffle: false",
      );
    if (this.shuffle && options.seed === undefined)
      throw new TypeError('Batcher: shuffling needs a seed (or pass shuffle: false)');
    this.seed = this.shuffle ? (options.seed as Seed) : null;
    this.stepsPerEpoch = this.dropLast
      ? Math.floor(this.n / batchSize)
      : Math.ceil(this.n / batchSize);
    if (this.stepsPerEpoch === 0) {
      throw new RangeError(
        `Batcher: ${this.n} examples make no batch of ${batchSize}${this.dropLast ? ' with dropLast' : ''}`,
      );
    }
    this.tailSize = this.dropLast ? batchSize : this.n - (this.stepsPerEpoch - 1) * batchSize;
    this.imageBuffer = new Float32Array(batchSize * this.features);
    this.labelBuffer = new Int32Array(batchSize);
    this.fullViews = { images: this.imageBuffer, labels: this.labelBuffer };
    this.tailViews = {
      images: this.imageBuffer.subarray(0, this.tailSize * this.features),
      labels: this.labelBuffer.subarray(0, this.tailSize),
    };
    const start = options.start ?? { epoch: 0, step: 0 };
    this.checkPosition(start);
    this.epoch = start.epoch;
    this.step = start.step;
  }

  private checkPosition(p: BatcherPosition): void {
    if (!(Number.isInteger(p.epoch) && p.epoch >= 0))
      throw new RangeError(`Batcher: epoch must be a non-negative integer, got ${p.epoch}`);
    if (!(Number.isInteger(p.step) && p.step >= 0 && p.step < this.stepsPerEpoch)) {
      throw new RangeError(
        `Batcher: step must be an integer in [0, ${this.stepsPerEpoch}), got ${p.step}`,
      );
    }
  }

  /** The position of the next batch plus the settings it depends on. */
  state(): BatcherState {
    return {
      epoch: this.epoch,
      step: this.step,
      seed: this.seed,
      batchSize: this.batchSize,
      n: this.n,
      shuffle: this.shuffle,
      dropLast: this.dropLast,
      sampling: this.sampling,
    };
  }

  /** Continues from a saved state; the settings must match this Batcher's, or the batches would differ. */
  restore(state: BatcherState): void {
    const mine = this.state();
    const saved = { ...state, sampling: state.sampling ?? 'shuffle' };
    for (const key of ['seed', 'batchSize', 'n', 'shuffle', 'dropLast', 'sampling'] as const) {
      if (saved[key] !== mine[key]) {
        throw new Error(
          `Batcher.restore: saved ${key} ${JSON.stringify(saved[key])} differs from this batcher's ${JSON.stringify(mine[key])}`,
        );
      }
    }
    this.checkPosition(state);
    this.epoch = state.epoch;
    this.step = state.step;
  }

  /** The visiting order of an epoch (identity without shuffling; n draws with replacement). */
  epochOrder(epoch: number): Int32Array {
    if (this.orderEpoch !== epoch || this.order === null) {
      if (this.seed === null) {
        this.order = this.order ?? Int32Array.from({ length: this.n }, (_, i) => i);
      } else if (this.sampling === 'replacement') {
        this.order = epochDraws(this.n, this.seed, epoch);
      } else {
        this.order = epochPermutation(this.n, this.seed, epoch);
      }
      this.orderEpoch = epoch;
    }
    return this.order;
  }

  /** The next batch; after the last batch of an epoch, the next epoch begins. */
  next(): Batch {
    const { epoch, step, batchSize, features } = this;
    const order = this.epochOrder(epoch);
    const lastInEpoch = step === this.stepsPerEpoch - 1;
    const size = lastInEpoch ? this.tailSize : batchSize;
    const indices = order.subarray(step * batchSize, step * batchSize + size);
    const src = this.data.images;
    const labels = this.data.labels;
    for (let b = 0; b < size; b++) {
      const i = indices[b];
      this.imageBuffer.set(src.subarray(i * features, (i + 1) * features), b * features);
      this.labelBuffer[b] = labels[i];
    }
    const views = size === batchSize ? this.fullViews : this.tailViews;
    if (lastInEpoch) {
      this.epoch = epoch + 1;
      this.step = 0;
    } else {
      this.step = step + 1;
    }
    return { images: views.images, labels: views.labels, indices, size, epoch, step, lastInEpoch };
  }

  /** The remaining batches of the current epoch (all of them when at its start). */
  *epochBatches(): IterableIterator<Batch> {
    const epoch = this.epoch;
    while (this.epoch === epoch) yield this.next();
  }
}

export interface ValidationSplitOptions {
  /** Number of validation examples. */
  size?: number;
  /** Or a fraction of the examples (rounded down). */
  fraction?: number;
  /**
   * Without a seed, the validation set is the LAST `size` examples (zero-copy views, Keras's
   * validation_split convention). With a seed, a seeded random subset of `size` examples; both
   * parts keep the original order and are copied.
   */
  seed?: Seed;
}

export interface Split {
  train: Dataset;
  validation: Dataset;
  /** Dataset indices of the validation examples, ascending. */
  validationIndices: Int32Array;
}

/** The examples at `indices`, copied, in the given order. */
export function subset(data: Dataset, indices: ArrayLike<number>): Dataset {
  const features = data.rows * data.cols;
  const images = new Float32Array(indices.length * features);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!(Number.isInteger(i) && i >= 0 && i < data.n))
      throw new RangeError(`subset: index ${i} at position ${k} is outside [0, ${data.n})`);
    images.set(data.images.subarray(i * features, (i + 1) * features), k * features);
    labels[k] = data.labels[i];
  }
  return { ...data, images, labels, n: indices.length };
}

function slice(data: Dataset, from: number, to: number): Dataset {
  const features = data.rows * data.cols;
  return {
    ...data,
    images: data.images.subarray(from * features, to * features),
    labels: data.labels.subarray(from, to),
    n: to - from,
  };
}

/** Splits off a deterministic validation set (see ValidationSplitOptions for which examples). */
export function validationSplit(data: Dataset, options: ValidationSplitOptions): Split {
  let size: number;
  if (options.size !== undefined) {
    if (options.fraction !== undefined)
      throw new TypeError('validationSplit: give size or fraction, not both');
    size = options.size;
  } else if (options.fraction !== undefined) {
    if (!(options.fraction >= 0 && options.fraction <= 1))
      throw new RangeError(`validationSplit: fraction must be in [0, 1], got ${options.fraction}`);
    size = Math.floor(options.fraction * data.n);
  } else {
    throw new TypeError('validationSplit: give size or fraction');
  }
  if (!(Number.isInteger(size) && size >= 0 && size <= data.n)) {
    throw new RangeError(`validationSplit: size must be an integer in [0, ${data.n}], got ${size}`);
  }
  if (options.seed === undefined) {
    const cut = data.n - size;
    return {
      train: slice(data, 0, cut),
      validation: slice(data, cut, data.n),
      validationIndices: Int32Array.from({ length: size }, (_, k) => cut + k),
    };
  }
  const chosen = new Generator(`thermograd/validation/${options.seed}`)
    .permutation(data.n)
    .subarray(0, size)
    .sort();
  const isValidation = new Uint8Array(data.n);
  for (const i of chosen) isValidation[i] = 1;
  const trainIndices = new Int32Array(data.n - size);
  for (let i = 0, k = 0; i < data.n; i++) if (!isValidation[i]) trainIndices[k++] = i;
  return {
    train: subset(data, trainIndices),
    validation: subset(data, chosen),
    validationIndices: chosen,
  };
}
