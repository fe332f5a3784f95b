/**
 * Shapes, strides, NumPy broadcasting and axis normalisation, with errors that name the op and the
 * shapes involved.
 */
export type Shape = readonly number[];

export class ShapeError extends Error {
  override name = 'ShapeError';
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-order) strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Visits every element of a box of `extent` in row-major order, as visit(i, offset) with i its
 * ordinal and offset = start + Σ index[axis] · strides[axis]. An odometer: the last axis turns
 * fastest and carries into earlier ones, so each step costs an add, not a multiply per axis.
 */
export function forEachStrided(
  extent: Shape,
  strides: readonly number[],
  start: number,
  visit: (i: number, offset: number) => void,
): void {
  const rank = extent.length;
  const total = sizeOf(extent);
  const counter = new Array<number>(rank).fill(0);
  let offset = start;
  for (let i = 0; i < total; i++) {
    visit(i, offset);
    for (let axis = rank - 1; axis >= 0; axis--) {
      counter[axis]++;
      offset += strides[axis];
      if (counter[axis] < extent[axis]) break;
      offset -= strides[axis] * extent[axis];
      counter[axis] = 0;
    }
  }
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function assertValidShape(shape: Shape, where: string): void {
  if (!Array.isArray(shape))
    throw new ShapeError(`${where}: shape must be an array of integers, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(
        `${where}: invalid shape ${shapeToString(shape)}: every dimension must be a non-negative integer`,
      );
    }
  }
}

/** NumPy broadcasting: align from the right; each pair of dimensions must be equal or one of them 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${shapeToString(a)} and ${shapeToString(b)} cannot be broadcast: dimension ${i - rank} is ${da} vs ${db}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides with which to read a tensor of shape `shape` as if it had the broadcast shape `outShape`:
 * broadcast (size-1 or missing) dimensions get stride 0.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const strides = stridesOf(shape);
  const lead = outShape.length - shape.length;
  return outShape.map((_, j) => (j < lead || shape[j - lead] === 1 ? 0 : strides[j - lead]));
}

/** Normalises a possibly negative axis against `rank`, naming the op on error. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalises, sorts and de-duplicates axes; `undefined` means every axis. */
export function normalizeAxes(
  op: string,
  axes: number | readonly number[] | undefined,
  rank: number,
): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => normalizeAxis(op, a, rank));
  const unique = [...new Set(out)].sort((x, y) => x - y);
  if (unique.length !== out.length)
    throw new ShapeError(`${op}: repeated axis in [${list.join(',')}]`);
  return unique;
}

/** The shape after reducing `axes`: kept as size 1 when `keepdim`, removed otherwise. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdim: boolean): number[] {
  return shape.flatMap((d, i) => (!axes.includes(i) ? [d] : keepdim ? [1] : []));
}
