/**
 * Bundles `entry` (TypeScript, thermograd from source) into one ESM file for plain Node 20.
 * `external` adds packages left out of the bundle.
 */
export function bundleForNode(
  entry: string,
  outfile: string,
  logLevel?: 'info' | 'silent' | 'warning',
  external?: string[],
): Promise<void>;
