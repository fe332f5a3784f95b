/**
 * Element types. float32 is the default, as in PyTorch; float64 exists so that gradient checks by
 * central differences are exact enough to use tight tolerances.
 */
export type DType = 'float32' | 'float64';
export type TypedArray = Float32Array | Float64Array;

let defaultDType: DType = 'float32';

/** The dtype used by factories when none is given. */
export function getDefaultDType(): DType {
  return defaultDType;
}

export function setDefaultDType(dtype: DType): void {
  assertDType(dtype, 'setDefaultDType');
  defaultDType = dtype;
}

/** Runs `fn` with a different default dtype, restoring the previous one afterwards. */
export function withDefaultDType<T>(dtype: DType, fn: () => T): T {
  const previous = defaultDType;
  setDefaultDType(dtype);
  try {
    return fn();
  } finally {
    defaultDType = previous;
  }
}

export function assertDType(dtype: unknown, where: string): asserts dtype is DType {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new TypeError(
      `${where}: unknown dtype ${JSON.stringify(dtype)}; expected 'float32' or 'float64'`,
    );
  }
}

export function allocArray(dtype: DType, size: number): TypedArray {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/** A copy of `values` as `dtype`. */
export function arrayFrom(dtype: DType, values: ArrayLike<number>): TypedArray {
  return dtype === 'float64' ? new Float64Array(values) : new Float32Array(values);
}
