/**
 * Matrix product, 2-D or batched 3-D (a 2-D operand is shared across the batch), with either
 * operand read transposed without a copy.
 *
 * Forward: C = op(A) · op(B), op(X) = X or Xᵀ. Backward (written for the untransposed case; the
 * transposed cases follow by transposing these identities):
 *   dA = dC · op(B)ᵀ,   dB = op(A)ᵀ · dC
 * Each of these is itself one kernel call with transpose flags, so no transpose is ever copied.
 */
import type { MatmulParams } from '../backend/backend.js';
import { fromOp } from '../autograd.js';
import { ShapeError, shapeToString } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertCompatible, assertTensor, installMethods, matmulOf, wrap } from './op-utils.js';

export interface MatmulOptions {
  /** Use Aᵀ: A is stored as [k, m] (or [batch, k, m]). */
  transposeA?: boolean;
  /** Use Bᵀ: B is stored as [n, k] (or [batch, n, k]). */
  transposeB?: boolean;
}

/** The kernel call with shape checks and no graph. */
function product(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const mat = (t: Tensor, trans: boolean) => {
    const [rows, cols] = t.shape.slice(-2);
    return trans ? [cols, rows] : [rows, cols];
  };
  const [m, k] = mat(a, transA);
  const [k2, n] = mat(b, transB);
  if (k !== k2) {
    const show = (t: Tensor, trans: boolean) => `${shapeToString(t.shape)}${trans ? 'ᵀ' : ''}`;
    throw new ShapeError(
      `matmul: ${show(a, transA)} @ ${show(b, transB)}: inner dimensions ${k} and ${k2} differ`,
    );
  }
  const aBatched = a.rank === 3;
  const bBatched = b.rank === 3;
  const batch = aBatched ? a.shape[0] : bBatched ? b.shape[0] : 1;
  if (aBatched && bBatched && a.shape[0] !== b.shape[0]) {
    throw new ShapeError(
      `matmul: batch sizes differ: ${shapeToString(a.shape)} @ ${shapeToString(b.shape)}`,
    );
  }
  const params: MatmulParams = { batch, m, k, n, transA, transB, aBatched, bBatched };
  const shape = aBatched || bBatched ? [batch, m, n] : [m, n];
  return matmulOf(a, b, params, shape);
}

/** Sums a batched gradient over the batch when its operand was a shared 2-D matrix. */
function unbatch(g: Tensor, target: Tensor): Tensor {
  if (g.rank === target.rank) return g;
  return wrap(g, g.backend.reduce('sum', g.storage, g.shape, [0], g.dtype), target.shape);
}

export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  assertTensor('matmul', a, 'first operand');
  assertTensor('matmul', b, 'second operand');
  assertCompatible('matmul', a, b);
  for (const t of [a, b]) {
    if (t.rank !== 2 && t.rank !== 3) {
      throw new ShapeError(
        `matmul: operands must be 2-D or 3-D, got ${shapeToString(a.shape)} @ ${shapeToString(b.shape)}`,
      );
    }
  }
  const tA = options.transposeA ?? false;
  const tB = options.transposeB ?? false;
  const out = product(a, b, tA, tB);
  return fromOp('matmul', out, [a, b], (dC) => {
    let dA: Tensor | null = null;
    let dB: Tensor | null = null;
    if (a.requiresGrad) {
      // op(A) = dC·op(B)ᵀ; if A was transposed, dA = (dC·op(B)ᵀ)ᵀ = op(B)·dCᵀ.
      dA = tA ? product(b, dC, tB, true) : product(dC, b, false, !tB);
      dA = unbatch(dA, a);
    }
    if (b.requiresGrad) {
      // op(B) = op(A)ᵀ·dC; if B was transposed, dB = dCᵀ·op(A).
      dB = tB ? product(dC, a, true, tA) : product(a, dC, !tA, false);
      dB = unbatch(dB, b);
    }
    return [dA, dB];
  });
}

declare module '../tensor.js' {
  interface Tensor {
    matmul(other: Tensor, options?: MatmulOptions): Tensor;
  }
}
installMethods({ matmul });
