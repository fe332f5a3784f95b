/**
 * 2-D max and average pooling over NCHW input (PyTorch's F.max_pool2d / F.avg_pool2d with
 * ceil_mode=False; avg_pool2d counts padding as zeros, count_include_pad=True).
 *
 * Output size per spatial axis: ⌊(H + 2p − k) / s⌋ + 1. Padding may be at most half the kernel
 * (PyTorch's rule), so that every window holds at least one input element.
 *
 * Backward: max-pool sends each output gradient to the input element its window chose (the
 * forward's argmax; the first maximum on ties, so the gradient there is one valid subgradient);
 * avg-pool spreads it evenly, dy / (kh·kw), over the window.
 */
import type { Conv2dGeometry } from '../backend/backend.js';
import { fromOp } from '../autograd.js';
import { ShapeError, shapeToString } from '../shape.js';
import { Tensor } from '../tensor.js';
import { pair2d, windowGeometry, type Size2d } from './conv.js';
import { assertTensor, installMethods, wrap } from './op-utils.js';

function poolGeometry(
  op: string,
  x: Tensor,
  kernelSize: Size2d,
  stride: Size2d | undefined,
  padding: Size2d,
): Conv2dGeometry {
  assertTensor(op, x);
  if (x.rank !== 4)
    throw new ShapeError(`${op}: input must be 4-D [N, C, H, W], got ${shapeToString(x.shape)}`);
  const kernel = pair2d(op, 'kernelSize', kernelSize, 1);
  const steps = pair2d(op, 'stride', stride ?? kernelSize, 1);
  const pad = pair2d(op, 'padding', padding, 0);
  if (pad[0] > kernel[0] / 2 || pad[1] > kernel[1] / 2) {
    throw new RangeError(
      `${op}: padding [${pad.join(', ')}] must be at most half of kernelSize [${kernel.join(', ')}]`,
    );
  }
  return windowGeometry(op, x, kernel, steps, pad);
}

/** The maximum over each kernelSize window, moving by stride (default: kernelSize). */
export function maxPool2d(
  x: Tensor,
  kernelSize: Size2d,
  stride?: Size2d,
  padding: Size2d = 0,
): Tensor {
  const g = poolGeometry('maxPool2d', x, kernelSize, stride, padding);
  const { backend, dtype } = x;
  const { y, argmax } = backend.maxPool2d(x.storage, g, dtype);
  return fromOp('maxPool2d', wrap(x, y, [g.n, g.c, g.outH, g.outW]), [x], (dy) => [
    wrap(x, backend.maxPool2dBackward(dy.storage, argmax, g, dtype), x.shape),
  ]);
}

/** The mean over each kernelSize window, moving by stride (default: kernelSize). */
export function avgPool2d(
  x: Tensor,
  kernelSize: Size2d,
  stride?: Size2d,
  padding: Size2d = 0,
): Tensor {
  const g = poolGeometry('avgPool2d', x, kernelSize, stride, padding);
  const { backend, dtype } = x;
  const y = backend.avgPool2d(x.storage, g, dtype);
  return fromOp('avgPool2d', wrap(x, y, [g.n, g.c, g.outH, g.outW]), [x], (dy) => [
    wrap(x, backend.avgPool2dBackward(dy.storage, g, dtype), x.shape),
  ]);
}

declare module '../tensor.js' {
  interface Tensor {
    maxPool2d(kernelSize: Size2d, stride?: Size2d, padding?: Size2d): Tensor;
    avgPool2d(kernelSize: Size2d, stride?: Size2d, padding?: Size2d): Tensor;
  }
}
installMethods({ maxPool2d, avgPool2d });
