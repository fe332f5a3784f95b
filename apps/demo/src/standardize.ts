/**
 * Pixel standardisation, (x − mean) / std with one global mean and standard deviation, as
 * torchvision's MNIST recipe does (0.1307 / 0.3081): centred inputs make the first layer learn
 * much faster. The demo and the lab share it.
 */
export interface PixelStatistics {
  mean: number;
  std: number;
}

export function pixelStatistics(images: ArrayLike<number>): PixelStatistics {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < images.length; i++) {
    sum += images[i];
    sq += images[i] * images[i];
  }
  const mean = sum / images.length;
  return { mean, std: Math.sqrt(Math.max(sq / images.length - mean * mean, 1e-12)) };
}

/** Standardises in place with the given statistics (by default the images' own). */
export function standardize(
  images: Float32Array | Float64Array,
  stats: PixelStatistics = pixelStatistics(images),
): PixelStatistics {
  for (let i = 0; i < images.length; i++) images[i] = (images[i] - stats.mean) / stats.std;
  return stats;
}
