/**
 * The bytes of a checkpoint file for a download: the demo's format (header line with the body's
 * SHA-256, then the JSON body), hashed with the Web Crypto API, which a browser and Node both have.
 */
import { checkpointHeader } from '@thermograd/demo/browser';

export async function checkpointBytes(body: unknown): Promise<Uint8Array> {
  const encoder = new TextEncoder();
  const json = encoder.encode(JSON.stringify(body));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', json as BufferSource));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  const header = encoder.encode(checkpointHeader(json, hex) + '\n');
  const bytes = new Uint8Array(header.length + json.length);
  bytes.set(header);
  bytes.set(json, header.length);
  return bytes;
}
