/** MNIST-shaped random data: pixels uniform in [0, 1), labels uniform over 10 classes, seeded. */
import { Generator } from '@thermograd/autograd';

export interface Batch {
  x: Float32Array; // [batch, 784]
  labels: Int32Array; // [batch]
}

export function randomBatches(
  count: number,
  batch: number,
  features = 784,
  classes = 10,
  seed = 1,
): Batch[] {
  const rng = new Generator(seed);
  return Array.from({ length: count }, () => {
    const x = new Float32Array(batch * features);
    for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
    const labels = new Int32Array(batch);
    for (let i = 0; i < batch; i++) labels[i] = rng.int(classes);
    return { x, labels };
  });
}

/** He-normal initial weights, [out, in] row-major, shared by every implementation. */
export function initialWeights(
  sizes: readonly number[],
  seed = 2,
): { w: Float32Array; b: Float32Array }[] {
  const rng = new Generator(seed);
  return sizes.slice(1).map((out, l) => {
    const inF = sizes[l];
    const w = new Float32Array(out * inF);
    const scale = Math.sqrt(2 / inF);
    for (let i = 0; i < w.length; i++) w[i] = rng.normal() * scale;
    return { w, b: new Float32Array(out) };
  });
}

/** A row-major [rows, cols] matrix as [cols, rows] (a linear weight [out, in] as [in, out]). */
export function transposed(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c];
  return t;
}
