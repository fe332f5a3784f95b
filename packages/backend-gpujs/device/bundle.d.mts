/** Bundles `entry` (TypeScript, thermograd from source) into one ESM file for plain Node 20. */
export function bundleForNode(
  entry: string,
  outfile: string,
  logLevel?: 'info' | 'silent',
): Promise<void>;
