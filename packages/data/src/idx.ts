/**
 * A reader for IDX files, the format MNIST, Fashion-MNIST, EMNIST and KMNIST are distributed in
 * (http://yann.lecun.com/exdb/mnist/).
 *
 * Layout: a 4-byte magic number `0x00 0x00 TYPE NDIMS`, then NDIMS big-endian uint32 dimension
 * sizes, then the values in row-major (C) order, big-endian. TYPE is one of
 *   0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
 * So MNIST images have magic 0x00000803 ([N, 28, 28] unsigned bytes) and labels 0x00000801 ([N]).
 *
 * The reader goes straight into one typed array (no nested JS arrays). Unsigned bytes, the only
 * type MNIST uses, are returned as a zero-copy view of the file's bytes; wider types are decoded
 * from big-endian. A gzip-compressed file (recognised by its magic bytes 1f 8b, not by its name)
 * is decompressed first. Every failure is an IdxError whose message names the file.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export type IdxData =
  Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  /** Element type named by the file's type byte. */
  type: IdxType;
  /** Dimension sizes, outermost first (e.g. [60000, 28, 28]). */
  dims: number[];
  /** All values in row-major order; length is the product of dims. */
  data: IdxData;
  /** The file it was read from (or the name given to parseIdx), for messages. */
  file: string;
}

export type IdxErrorCode =
  | 'NOT_FOUND'
  | 'READ'
  | 'GZIP'
  | 'MAGIC'
  | 'TYPE'
  | 'DIMS'
  | 'TRUNCATED'
  | 'TRAILING'
  | 'COUNT'
  | 'LABEL_RANGE';

/** Any problem with a data file; `file` is the offending file (also named in the message). */
export class IdxError extends Error {
  constructor(
    readonly file: string,
    readonly code: IdxErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IdxError';
  }
}

interface TypeInfo {
  type: IdxType;
  bytes: number;
}

const TYPES: Record<number, TypeInfo> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

const TYPE_CODES: Record<IdxType, number> = {
  uint8: 0x08,
  int8: 0x09,
  int16: 0x0b,
  int32: 0x0c,
  float32: 0x0d,
  float64: 0x0e,
};

export interface IdxExpectation {
  /** Required number of dimensions (3 for images, 1 for labels). */
  rank?: number;
  /** Allowed element types. */
  types?: IdxType[];
  /** What the file should hold, used in messages ("images", "labels"). */
  role?: string;
}

function hex32(x: number): string {
  return '0x' + (x >>> 0).toString(16).padStart(8, '0');
}

/** The magic number an IDX file of this type and rank starts with (e.g. uint8, 3 → 0x00000803). */
export function idxMagic(type: IdxType, rank: number): number {
  return (TYPE_CODES[type] << 8) | rank;
}

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses IDX bytes (already decompressed). `file` names the source in error messages.
 * Unsigned-byte data is a view of `bytes`, not a copy.
 */
export function parseIdx(bytes: Uint8Array, file: string, expect: IdxExpectation = {}): IdxArray {
  const what = expect.role ? `${expect.role} file` : 'IDX file';
  if (bytes.length < 4) {
    throw new IdxError(
      file,
      'TRUNCATED',
      `${what} ${file}: truncated: ${bytes.length} bytes, shorter than the 4-byte IDX magic number`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const typeCode = bytes[2];
  const rank = bytes[3];
  const info = TYPES[typeCode];
  if (bytes[0] !== 0 || bytes[1] !== 0 || info === undefined || rank === 0) {
    const expected =
      expect.rank !== undefined
        ? ` (expected ${hex32(idxMagic(expect.types?.[0] ?? 'uint8', expect.rank))})`
        : '';
    throw new IdxError(
      file,
      'MAGIC',
      `${what} ${file}: wrong magic number ${hex32(magic)}${expected}; not an IDX file`,
    );
  }
  if (expect.rank !== undefined && rank !== expect.rank) {
    throw new IdxError(
      file,
      'DIMS',
      `${what} ${file}: magic number ${hex32(magic)} says ${rank} dimension${rank === 1 ? '' : 's'}, expected ${expect.rank} ` +
        `(magic ${hex32(idxMagic(info.type, expect.rank))})`,
    );
  }
  if (expect.types !== undefined && !expect.types.includes(info.type)) {
    throw new IdxError(
      file,
      'TYPE',
      `${what} ${file}: element type ${info.type} (0x${typeCode.toString(16).padStart(2, '0')}) is not supported here; expected ${expect.types.join(' or ')}`,
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new IdxError(
      file,
      'TRUNCATED',
      `${what} ${file}: truncated: ${bytes.length} bytes, shorter than its ${headerBytes}-byte header`,
    );
  }
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    count *= size;
  }
  const expectedBytes = headerBytes + count * info.bytes;
  if (bytes.length < expectedBytes) {
    throw new IdxError(
      file,
      'TRUNCATED',
      `${what} ${file}: truncated: header says [${dims.join(', ')}] ${info.type} = ${expectedBytes} bytes, file has ${bytes.length}`,
    );
  }
  if (bytes.length > expectedBytes) {
    throw new IdxError(
      file,
      'TRAILING',
      `${what} ${file}: ${bytes.length - expectedBytes} trailing bytes after the [${dims.join(', ')}] ${info.type} data the header describes`,
    );
  }
  return { type: info.type, dims, data: decode(bytes, view, headerBytes, count, info.type), file };
}

function decode(
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  count: number,
  type: IdxType,
): IdxData {
  switch (type) {
    case 'uint8':
      return bytes.subarray(offset, offset + count);
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset + offset, count);
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/** Reads a file's bytes, gunzipping when they start with the gzip magic. */
export function readMaybeGzip(file: string, role?: string): Uint8Array {
  const what = role ? `${role} file` : 'file';
  let raw: Uint8Array;
  try {
    raw = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new IdxError(file, 'NOT_FOUND', `${what} not found: ${file}`);
    throw new IdxError(file, 'READ', `cannot read ${what} ${file}: ${(err as Error).message}`);
  }
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw);
  } catch (err) {
    throw new IdxError(
      file,
      'GZIP',
      `${what} ${file}: corrupt gzip data: ${(err as Error).message}`,
    );
  }
}

/** Reads an IDX file, plain or gzip-compressed, into a typed array. */
export function readIdx(file: string, expect: IdxExpectation = {}): IdxArray {
  return parseIdx(readMaybeGzip(file, expect.role), file, expect);
}

/** Encodes an IDX file (the inverse of parseIdx); used by tests and to write small data sets. */
export function encodeIdx(type: IdxType, dims: number[], values: ArrayLike<number>): Uint8Array {
  const info = TYPES[TYPE_CODES[type]];
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) {
    throw new RangeError(
      `encodeIdx: [${dims.join(', ')}] needs ${count} values, got ${values.length}`,
    );
  }
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count * info.bytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, idxMagic(type, dims.length), false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const at = header + i * info.bytes;
    const v = values[i];
    switch (type) {
      case 'uint8':
        view.setUint8(at, v);
        break;
      case 'int8':
        view.setInt8(at, v);
        break;
      case 'int16':
        view.setInt16(at, v, false);
        break;
      case 'int32':
        view.setInt32(at, v, false);
        break;
      case 'float32':
        view.setFloat32(at, v, false);
        break;
      case 'float64':
        view.setFloat64(at, v, false);
        break;
    }
  }
  return out;
}
