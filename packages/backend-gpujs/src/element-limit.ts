/**
 * The most elements one kernel output may have, and why. Flat indices are floats in the webasm,
 * webgpu and WebGL kernels, exact below 2^24 (cpu kernels index in float64: no limit). A WebGL
 * output is also a texture of one value per texel, at most MAX_TEXTURE_SIZE texels on a side.
 */
export const MAX_ELEMENTS = 1 << 24;

export interface ElementLimit {
  max: number;
  /** The reason, for the error beyond it ('' when there is no limit). */
  why: string;
}

/** `maxTextureSize`: the WebGL context's MAX_TEXTURE_SIZE (WebGL modes only). */
export function elementLimit(mode: string, maxTextureSize?: number): ElementLimit {
  if (mode === 'cpu') return { max: Infinity, why: '' };
  const exact = {
    max: MAX_ELEMENTS,
    why: `${mode} kernels index exactly up to 2^24 = ${MAX_ELEMENTS} elements`,
  };
  if (maxTextureSize === undefined) return exact;
  // gpu.js lays n values out nearly square (its utils.closestSquareDimensions): every n up to
  // side·(side − 1) fits in side × side texels, but some n just below side² take side + 1 columns.
  const side = maxTextureSize;
  const fits = side * (side - 1);
  if (fits >= MAX_ELEMENTS) return exact;
  return {
    max: fits,
    why: `${mode} textures here are at most ${side} × ${side} texels (MAX_TEXTURE_SIZE), so one output holds at most ${fits} elements`,
  };
}
