/**
 * Optimizer state <-> JSON, bit for bit.
 *
 * Plugin state is plain data plus typed arrays. JSON alone would lose the typed arrays, the sign of
 * −0 and NaN/±Infinity, so this codec writes
 *
 *     Float64Array -> { "$f64": base64 of its little-endian bytes }
 *     Float32Array -> { "$f32": base64 of its little-endian bytes }
 *     Tensor       -> { "$tensor": { "shape": [...], "values": { "$f64" | "$f32": ... } } }
 *                     (its values read from the backend; stateFromJSON makes a tensor of the same
 *                     dtype and shape on the backend it is given, default the current one)
 *     −0, NaN, ±Infinity -> { "$num": "-0" | "NaN" | "Infinity" | "-Infinity" }
 *
 * and every other number as itself (JSON's shortest round-trip decimal, which parses back to the
 * same float64). Bytes make the round trip exact whatever the values, and are about half the size
 * of decimal text. Anything that is not plain data (a function, a class instance) is an error naming
 * where it was found, so a plugin cannot smuggle unserialisable state past a checkpoint.
 */

import { Tensor, tensor, type Backend } from '@thermograd/autograd';

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out +=
      ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + '=';
  }
  return out;
}

export function base64ToBytes(text: string): Uint8Array {
  if (text.length % 4 !== 0)
    throw new Error(`stateFromJSON: base64 text of length ${text.length} is not a multiple of 4`);
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const c = text.charCodeAt(i + k);
      const v = text[i + k] === '=' ? 0 : c < 128 ? LOOKUP[c] : -1;
      if (v < 0)
        throw new Error(`stateFromJSON: invalid base64 character ${JSON.stringify(text[i + k])}`);
      n = (n << 6) | v;
    }
    if (o < bytes.length) bytes[o++] = (n >> 16) & 255;
    if (o < bytes.length) bytes[o++] = (n >> 8) & 255;
    if (o < bytes.length) bytes[o++] = n & 255;
  }
  return bytes;
}

function encodeFloats(values: Float32Array | Float64Array): string {
  const width = values.BYTES_PER_ELEMENT;
  const bytes = new Uint8Array(values.length * width);
  const view = new DataView(bytes.buffer);
  if (width === 8) for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
  else for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytesToBase64(bytes);
}

function decodeFloats(text: string, width: 4 | 8): Float32Array | Float64Array {
  const bytes = base64ToBytes(text);
  if (bytes.length % width !== 0)
    throw new Error(
      `stateFromJSON: ${bytes.length} bytes is not a whole number of float${width * 8} values`,
    );
  const view = new DataView(bytes.buffer);
  const n = bytes.length / width;
  if (width === 8) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
    return out;
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Plugin (or Optimizer) state to JSON-safe data; `JSON.stringify` of the result is a checkpoint. */
export function stateToJSON(value: unknown, path = 'state'): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return { $num: '-0' };
    if (!Number.isFinite(value)) return { $num: String(value) };
    return value;
  }
  if (value instanceof Tensor) {
    const values = value.dataSync();
    if (!(values instanceof Float64Array || values instanceof Float32Array))
      throw new TypeError(
        `stateToJSON: ${path} is a tensor of dtype ${value.dtype}, not float32/64`,
      );
    return { $tensor: { shape: [...value.shape], values: stateToJSON(values, path) } };
  }
  if (value instanceof Float64Array) return { $f64: encodeFloats(value) };
  if (value instanceof Float32Array) return { $f32: encodeFloats(value) };
  if (Array.isArray(value)) return value.map((v, i) => stateToJSON(v, `${path}[${i}]`));
  if (typeof value === 'object' && isPlainObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = stateToJSON(v, `${path}.${k}`);
    }
    return out;
  }
  const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  throw new TypeError(`stateToJSON: ${path} is a ${kind}, which is not plain serialisable data`);
}

export interface StateFromJSONOptions {
  /** Where tensors in the state are made (a backend or its name; default: the current backend). */
  backend?: string | Backend;
}

/** The inverse of stateToJSON: typed arrays, tensors, −0 and non-finite numbers come back exactly. */
export function stateFromJSON<T = unknown>(json: JsonValue, options: StateFromJSONOptions = {}): T {
  return decode(json, options) as T;
}

function decode(json: JsonValue, options: StateFromJSONOptions): unknown {
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) return json.map((v) => decode(v, options));
  const keys = Object.keys(json);
  if (keys.length === 1) {
    const [k] = keys;
    const v = json[k];
    if (k === '$f64' && typeof v === 'string') return decodeFloats(v, 8);
    if (k === '$f32' && typeof v === 'string') return decodeFloats(v, 4);
    if (k === '$tensor' && v !== null && typeof v === 'object' && !Array.isArray(v))
      return decodeTensor(v, options);
    if (k === '$num' && typeof v === 'string') {
      if (v === '-0') return -0;
      if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
      throw new Error(`stateFromJSON: unknown special number ${JSON.stringify(v)}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = decode(json[k], options);
  return out;
}

function decodeTensor(json: { [key: string]: JsonValue }, options: StateFromJSONOptions): Tensor {
  const { shape } = json;
  const values = decode(json.values, options);
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => typeof d === 'number') ||
    !(values instanceof Float64Array || values instanceof Float32Array)
  )
    throw new Error('stateFromJSON: a $tensor needs a numeric shape and $f64 or $f32 values');
  const dtype = values instanceof Float64Array ? 'float64' : 'float32';
  return tensor(values, shape as number[], { dtype, backend: options.backend });
}
