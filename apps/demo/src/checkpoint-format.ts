/**
 * The checkpoint file format, shared by the CLI (checkpoint.ts, which reads and writes files) and
 * the browser playground (which builds the same bytes for a download): one JSON header line
 * `{"format":"thermograd-checkpoint","version":1,"sha256":...,"bytes":...}`, then the JSON body.
 * Hashing is the caller's (node:crypto in Node, crypto.subtle in a browser), so this module
 * imports nothing platform-specific.
 */
export const CHECKPOINT_FORMAT = 'thermograd-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** The header line (without its newline) for a body of these exact bytes and SHA-256 (hex). */
export function checkpointHeader(body: Uint8Array, sha256Hex: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256Hex))
    throw new TypeError(
      `checkpointHeader: sha256 must be 64 lowercase hex digits, got ${sha256Hex}`,
    );
  return JSON.stringify({
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    sha256: sha256Hex,
    bytes: body.length,
  });
}
