/** Measurement helpers: run a step until a time budget is spent, medians, alternation of impls. */

/** Runs `step` repeatedly for at least `seconds` (and at least `minSteps` times); returns steps per second. */
export async function stepsPerSecond(
  step: () => unknown | Promise<unknown>,
  seconds: number,
  minSteps = 2,
): Promise<number> {
  let steps = 0;
  const start = performance.now();
  let elapsed = 0;
  while (steps < minSteps || elapsed < seconds * 1000) {
    await step();
    steps++;
    elapsed = performance.now() - start;
  }
  return (steps * 1000) / elapsed;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface Measured<T> {
  item: T;
  samples: number[];
  median: number;
}

/**
 * Measures every item `rounds` times, alternating them (and rotating the order each round) so that
 * drift in the machine's load and clock affects all alike. `prepare` runs before each measurement
 * (tfjs needs its global backend switched).
 */
export async function alternate<T>(
  items: readonly T[],
  rounds: number,
  measure: (item: T) => Promise<number>,
): Promise<Measured<T>[]> {
  const samples = items.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < items.length; j++) {
      const i = (j + r) % items.length;
      samples[i].push(await measure(items[i]));
    }
  }
  return items.map((item, i) => ({ item, samples: samples[i], median: median(samples[i]) }));
}
