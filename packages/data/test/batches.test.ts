import { describe, expect, it } from 'vitest';
import {
  Batcher,
  epochDraws,
  epochPermutation,
  subset,
  validationSplit,
  type Batch,
  type BatcherState,
  type Dataset,
} from '../src/index.js';

/** n examples of 1×2 pixels [i, −i] with label i mod 7, so every copied row reveals its source. */
function indexDataset(n: number): Dataset {
  const images = new Float32Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    images[2 * i] = i;
    images[2 * i + 1] = -i;
    labels[i] = i % 7;
  }
  return { images, labels, n, rows: 1, cols: 2, numClasses: 7 };
}

/** The example indices a batch holds, read back from its copied pixels. */
function sourceIndices(batch: Batch): number[] {
  return Array.from({ length: batch.size }, (_, b) => batch.images[2 * b]);
}

function snapshot(batch: Batch) {
  return {
    images: Array.from(batch.images),
    labels: Array.from(batch.labels),
    epoch: batch.epoch,
    step: batch.step,
    size: batch.size,
  };
}

describe('epochPermutation', () => {
  it('is a permutation, the same for the same seed and epoch, different otherwise', () => {
    const p = epochPermutation(1000, 42, 3);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(epochPermutation(1000, 42, 3)).toEqual(p);
    expect(epochPermutation(1000, 42, 4)).not.toEqual(p);
    expect(epochPermutation(1000, 43, 3)).not.toEqual(p);
    expect(epochPermutation(1000, 'run-a', 0)).toEqual(epochPermutation(1000, 'run-a', 0));
  });

  it('does not leave examples near their starting place (a real shuffle)', () => {
    const p = epochPermutation(10000, 1, 0);
    let fixed = 0;
    for (let i = 0; i < p.length; i++) if (p[i] === i) fixed++;
    // A uniform permutation has on average one fixed point.
    expect(fixed).toBeLessThan(10);
  });
});

describe('Batcher', () => {
  it('visits every example exactly once per epoch, in the epoch permutation order, keeping the partial batch', () => {
    const data = indexDataset(103);
    const batcher = new Batcher(data, { batchSize: 10, seed: 7 });
    expect(batcher.stepsPerEpoch).toBe(11);
    for (let epoch = 0; epoch < 3; epoch++) {
      const seen: number[] = [];
      const sizes: number[] = [];
      for (const batch of batcher.epochBatches()) {
        expect(batch.epoch).toBe(epoch);
        expect(batch.images.length).toBe(batch.size * 2);
        expect(batch.labels.length).toBe(batch.size);
        const idx = sourceIndices(batch);
        expect(Array.from(batch.indices)).toEqual(idx);
        for (let b = 0; b < batch.size; b++) {
          expect(batch.images[2 * b + 1]).toBe(-idx[b]);
          expect(batch.labels[b]).toBe(idx[b] % 7);
        }
        expect(batch.lastInEpoch).toBe(batch.step === 10);
        seen.push(...idx);
        sizes.push(batch.size);
      }
      expect(sizes).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
      expect(seen).toEqual(Array.from(epochPermutation(103, 7, epoch)));
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    }
    expect(batcher.state()).toMatchObject({ epoch: 3, step: 0 });
  });

  it('drops the last partial batch with dropLast', () => {
    const batcher = new Batcher(indexDataset(103), { batchSize: 10, seed: 7, dropLast: true });
    expect(batcher.stepsPerEpoch).toBe(10);
    // Read each batch before drawing the next: its buffers are reused.
    const batches = Array.from(batcher.epochBatches(), (b) => ({
      size: b.size,
      indices: sourceIndices(b),
    }));
    expect(batches.map((b) => b.size)).toEqual(new Array(10).fill(10));
    const seen = new Set(batches.flatMap((b) => b.indices));
    expect(seen.size).toBe(100);
    // The three examples left out are the last three of the epoch's permutation.
    const p = epochPermutation(103, 7, 0);
    for (const i of p.subarray(100)) expect(seen.has(i)).toBe(false);
  });

  it('reuses its buffers: a batch is overwritten by the next', () => {
    const batcher = new Batcher(indexDataset(50), { batchSize: 8, seed: 1 });
    const a = batcher.next();
    const first = Array.from(a.images);
    const b = batcher.next();
    expect(b.images.buffer).toBe(a.images.buffer);
    expect(b.labels.buffer).toBe(a.labels.buffer);
    expect(Array.from(a.images)).not.toEqual(first);
  });

  it('without shuffling visits examples in order', () => {
    const batcher = new Batcher(indexDataset(25), { batchSize: 10, shuffle: false });
    const seen = Array.from(batcher.epochBatches(), sourceIndices).flat();
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(batcher.state().seed).toBeNull();
  });

  it('resumes mid-epoch from a saved state with exactly the batches of the uninterrupted run', () => {
    const data = indexDataset(103);
    const uninterrupted = new Batcher(data, { batchSize: 10, seed: 'resume' });
    const reference = Array.from({ length: 40 }, () => snapshot(uninterrupted.next()));

    const first = new Batcher(data, { batchSize: 10, seed: 'resume' });
    for (let k = 0; k < 16; k++) first.next();
    const saved: BatcherState = JSON.parse(JSON.stringify(first.state()));
    expect(saved).toMatchObject({ epoch: 1, step: 5 });

    // A fresh batcher started at the saved position...
    const resumed = new Batcher(data, { batchSize: 10, seed: 'resume', start: saved });
    expect(Array.from({ length: 24 }, () => snapshot(resumed.next()))).toEqual(reference.slice(16));
    // ...and one restored in place, after having drawn other batches.
    const restored = new Batcher(data, { batchSize: 10, seed: 'resume' });
    for (let k = 0; k < 30; k++) restored.next();
    restored.restore(saved);
    expect(Array.from({ length: 24 }, () => snapshot(restored.next()))).toEqual(
      reference.slice(16),
    );
  });

  it('refuses to restore a state saved with other settings', () => {
    const saved = new Batcher(indexDataset(103), { batchSize: 10, seed: 1 }).state();
    expect(() => new Batcher(indexDataset(103), { batchSize: 16, seed: 1 }).restore(saved)).toThrow(
      /saved batchSize 10 differs from this batcher's 16/,
    );
    expect(() => new Batcher(indexDataset(103), { batchSize: 10, seed: 2 }).restore(saved)).toThrow(
      /saved seed 1 differs/,
    );
    expect(() => new Batcher(indexDataset(50), { batchSize: 10, seed: 1 }).restore(saved)).toThrow(
      /saved n 103 differs/,
    );
    expect(
      () =>
        new Batcher(indexDataset(103), { batchSize: 10, seed: 1, start: { epoch: 0, step: 11 } }),
    ).toThrow(/step must be an integer in \[0, 11\), got 11/);
  });

  it('rejects bad options clearly', () => {
    const data = indexDataset(5);
    expect(() => new Batcher(data, { batchSize: 0, seed: 1 })).toThrow(
      /batchSize must be a positive integer, got 0/,
    );
    expect(() => new Batcher(data, { batchSize: 2 })).toThrow(/needs a seed/);
    expect(() => new Batcher(data, { batchSize: 8, seed: 1, dropLast: true })).toThrow(
      /5 examples make no batch of 8 with dropLast/,
    );
    expect(() => new Batcher({ ...data, n: 6 }, { batchSize: 2, seed: 1 })).toThrow(
      /dataset arrays disagree/,
    );
  });
});

describe("Batcher with sampling 'replacement'", () => {
  it('draws every example of every batch independently and uniformly: repeats within an epoch, flat counts', () => {
    const n = 50;
    const batcher = new Batcher(indexDataset(n), {
      batchSize: 10,
      seed: 3,
      sampling: 'replacement',
    });
    expect(batcher.stepsPerEpoch).toBe(5);
    const counts = new Float64Array(n);
    let epochsWithRepeats = 0;
    const epochs = 400;
    for (let e = 0; e < epochs; e++) {
      const seen = new Set<number>();
      let repeated = false;
      for (const batch of batcher.epochBatches()) {
        expect(sourceIndices(batch)).toEqual(Array.from(batch.indices));
        for (const i of batch.indices) {
          if (seen.has(i)) repeated = true;
          seen.add(i);
          counts[i]++;
        }
      }
      if (repeated) epochsWithRepeats++;
    }
    // 50 uniform draws from 50 repeat with probability 1 − 50!/50^50 ≈ 1; shuffled epochs never.
    expect(epochsWithRepeats).toBe(epochs);
    // Pearson's χ² of the counts (49 degrees of freedom: mean 49, sd 9.9): below 49 + 5·9.9.
    const expected = (epochs * n) / n;
    const chi2 = counts.reduce((a, c) => a + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(49 + 5 * Math.sqrt(2 * 49));
    expect(epochDraws(n, 3, 0)).toEqual(epochDraws(n, 3, 0));
    expect(epochDraws(n, 3, 1)).not.toEqual(epochDraws(n, 3, 0));
  });

  it('resumes mid-epoch bit-identically from a state serialised as JSON', () => {
    const data = indexDataset(103);
    const options = { batchSize: 10, seed: 'r', sampling: 'replacement' as const };
    const uninterrupted = new Batcher(data, options);
    const reference = Array.from({ length: 40 }, () => snapshot(uninterrupted.next()));
    const first = new Batcher(data, options);
    for (let k = 0; k < 16; k++) first.next();
    const saved: BatcherState = JSON.parse(JSON.stringify(first.state()));
    expect(saved).toEqual({
      epoch: 1,
      step: 5,
      seed: 'r',
      batchSize: 10,
      n: 103,
      shuffle: true,
      dropLast: false,
      sampling: 'replacement',
    });
    const resumed = new Batcher(data, { ...options, start: saved });
    expect(Array.from({ length: 24 }, () => snapshot(resumed.next()))).toEqual(reference.slice(16));
    // Not the shuffled-epoch batches.
    const shuffled = new Batcher(data, { batchSize: 10, seed: 'r' });
    expect(snapshot(shuffled.next())).not.toEqual(reference[0]);
  });

  it('refuses to restore across samplings; a state saved before sampling existed is shuffled epochs', () => {
    const data = indexDataset(103);
    const saved = new Batcher(data, { batchSize: 10, seed: 1 }).state();
    expect(() =>
      new Batcher(data, { batchSize: 10, seed: 1, sampling: 'replacement' }).restore(saved),
    ).toThrow(/saved sampling "shuffle" differs from this batcher's "replacement"/);
    const { sampling: _, ...legacy } = saved;
    expect(() => new Batcher(data, { batchSize: 10, seed: 1 }).restore(legacy)).not.toThrow();
    expect(() =>
      new Batcher(data, { batchSize: 10, seed: 1, sampling: 'replacement' }).restore(legacy),
    ).toThrow(/saved sampling "shuffle" differs/);
    expect(
      () => new Batcher(data, { batchSize: 10, shuffle: false, sampling: 'replacement' }),
    ).toThrow(/cannot be combined with shuffle: false/);
    expect(
      () => new Batcher(data, { batchSize: 10, seed: 1, sampling: 'bootstrap' as 'shuffle' }),
    ).toThrow(/sampling must be 'shuffle' or 'replacement', got "bootstrap"/);
  });
});

describe('validationSplit', () => {
  const data = indexDataset(100);
  const ids = (d: Dataset) => Array.from({ length: d.n }, (_, k) => d.images[2 * k]);

  it('without a seed takes the last examples, as zero-copy views', () => {
    const { train, validation, validationIndices } = validationSplit(data, { size: 20 });
    expect(ids(train)).toEqual(Array.from({ length: 80 }, (_, i) => i));
    expect(ids(validation)).toEqual(Array.from({ length: 20 }, (_, i) => 80 + i));
    expect(Array.from(validationIndices)).toEqual(ids(validation));
    expect(Array.from(validation.labels)).toEqual(ids(validation).map((i) => i % 7));
    expect(validation.images.buffer).toBe(data.images.buffer);
    expect(validationSplit(data, { fraction: 0.25 }).validation.n).toBe(25);
  });

  it('with a seed is deterministic, disjoint and complete, and depends on the seed', () => {
    const a = validationSplit(data, { size: 30, seed: 5 });
    const again = validationSplit(data, { size: 30, seed: 5 });
    expect(ids(again.validation)).toEqual(ids(a.validation));
    expect(ids(again.train)).toEqual(ids(a.train));
    expect(a.train.n).toBe(70);
    expect(a.validation.n).toBe(30);
    const val = new Set(ids(a.validation));
    expect(val.size).toBe(30);
    expect(ids(a.train).some((i) => val.has(i))).toBe(false);
    expect([...ids(a.train), ...ids(a.validation)].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    // Both parts keep the original order, and labels travel with their images.
    expect(ids(a.validation)).toEqual([...ids(a.validation)].sort((x, y) => x - y));
    expect(Array.from(a.train.labels)).toEqual(ids(a.train).map((i) => i % 7));
    // Not simply the tail, and a different seed picks differently.
    expect(ids(a.validation)).not.toEqual(Array.from({ length: 30 }, (_, i) => 70 + i));
    expect(ids(validationSplit(data, { size: 30, seed: 6 }).validation)).not.toEqual(
      ids(a.validation),
    );
  });

  it('rejects bad sizes', () => {
    expect(() => validationSplit(data, { size: 101 })).toThrow(
      /size must be an integer in \[0, 100\], got 101/,
    );
    expect(() => validationSplit(data, { fraction: 1.5 })).toThrow(
      /fraction must be in \[0, 1\], got 1.5/,
    );
    expect(() => validationSplit(data, {})).toThrow(/give size or fraction/);
    expect(() => validationSplit(data, { size: 1, fraction: 0.1 })).toThrow(/not both/);
  });

  it('subset copies the chosen examples in the given order', () => {
    const s = subset(data, [9, 3, 3]);
    expect(ids(s)).toEqual([9, 3, 3]);
    expect(Array.from(s.labels)).toEqual([2, 3, 3]);
    expect(() => subset(data, [100])).toThrow(/index 100 at position 0 is outside \[0, 100\)/);
  });
});
