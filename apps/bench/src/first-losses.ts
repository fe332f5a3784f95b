/**
 * Before a peer (jax-js, PyTorch) is timed, its first training steps are compared with a fresh
 * thermograd-fast run of the same config: a peer that trains a different model, or on other data or
 * weights, stops the bench instead of producing a meaningless ratio.
 */

/** How many steps are compared, and how far apart (absolute, on losses of order 1) they may be. */
const STEPS = 3;
const TOLERANCE = 1e-3;

export function checkFirstLosses(
  peer: string,
  config: string,
  ours: () => number,
  theirs: (() => number) | readonly number[],
): void {
  const want = Array.from({ length: STEPS }, ours);
  const got = Array.isArray(theirs)
    ? theirs.slice(0, STEPS)
    : Array.from({ length: STEPS }, theirs as () => number);
  const worst = Math.max(...want.map((w, i) => Math.abs(w - got[i])));
  if (!(worst <= TOLERANCE))
    throw new Error(
      `${peer} on config ${config}: first losses ${got.map((l) => l.toFixed(5)).join(', ')} differ from thermograd's ${want.map((l) => l.toFixed(5)).join(', ')}`,
    );
  console.log(
    `# ${peer}, config ${config}: first ${STEPS} losses match ours (max |Δ| ${worst.toExponential(1)})`,
  );
}
