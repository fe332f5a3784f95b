/**
 * Per-example gradient statistics, an extension of backward.
 *
 * For a loss that is the mean (or the sum) over the batch, `loss.backward({ perExample })` also
 * leaves on every parameter |ĝ_b|², the squared norm of example b's own gradient ('norms'), and
 * in 'grads' mode the per-example gradients themselves. The generic backward loop (autograd.ts)
 * knows nothing of this: it calls `visit` on each node it runs, and the ops that support
 * per-example statistics (linear, conv2d) carry a PerExampleRule on their GradNode, written
 * beside their forward and backward. A parameter that gets its gradient from any other op is an
 * error naming the op, since its statistics would silently be missing.
 */
import type { GradNode } from './autograd.js';
import type { TypedArray } from './dtype.js';
import { shapeToString } from './shape.js';
import type { Tensor } from './tensor.js';

export type PerExampleMode = false | 'norms' | 'grads';

/**
 * How a loss combines the examples of its batch: L = (1/B) Σ_b l_b ('mean') or Σ_b l_b ('sum').
 * Per-example statistics need it: example b's own output gradient is B·dy_b for a mean and dy_b
 * for a sum. mean, sum (over axes that include the batch axis) and the losses record it on their
 * result's GradNode.
 */
export type BatchReduction = 'mean' | 'sum';

/** What a per-example rule may use besides its op's output gradient. */
export interface PerExampleRecorder {
  readonly mode: 'norms' | 'grads';
  /**
   * The factor from an op's output gradient dy_b to example b's own gradient δ_b = scale · dy_b:
   * the batch size B for a batch-mean loss, 1 for a batch-sum (see BatchReduction).
   */
  exampleScale(batch: number): number;
  /** True when per-example statistics are wanted for this input (a leaf that requires grad). */
  wants(input: Tensor): boolean;
  /** Records example b's squared gradient norm (and the gradient, in 'grads' mode) for a parameter. */
  record(param: Tensor, sqNorms: Float64Array, grads?: TypedArray): void;
}

/** An op's per-example rule: from its output gradient, records the statistics of its parameters. */
export type PerExampleRule = (outputGrad: Tensor, stats: PerExampleRecorder) => void;

/**
 * A parameter as error messages name it. Parameters get their module path ('fc1.weight') as their
 * name from `model.namedParameters()`; before that they have none, and the message says so.
 */
function describeParameter(param: Tensor): string {
  if (param.name !== undefined) return param.describe();
  return (
    `the unnamed parameter ${param.describe()} (call model.namedParameters() once, or set ` +
    `tensor.name, for errors to name it)`
  );
}

/**
 * The batch reduction of a loss asked for per-example statistics. Its last op must reduce the
 * batch: any other (a loss times a constant, a sum of two losses, a reduction over the features
 * only) would leave the per-example gradients scaled by an unknown factor, so it is refused.
 */
function lossBatchReduction(root: Tensor): BatchReduction {
  const node = root.gradNode;
  if (node?.batchReduction !== undefined) return node.batchReduction;
  throw new Error(
    `per-example statistics: the loss must be the mean or the sum over the batch, taken last ` +
      `(mean() or sum() over axes that include axis 0, or a loss with reduction 'mean' or 'sum'); ` +
      `this loss ${shapeToString(root.shape)} comes from '${node?.op ?? 'no op'}'. ` +
      `Add other terms (a penalty) in a separate backward without perExample`,
  );
}

/** One backward's statistics: `visit` each node run, then `finish` to leave them on the parameters. */
export interface PerExampleRun {
  visit(
    node: GradNode,
    outputGrad: Tensor,
    inputGrads: readonly (Tensor | null | undefined)[],
  ): void;
  finish(): void;
}

export function startPerExample(root: Tensor, mode: 'norms' | 'grads'): PerExampleRun {
  const batchReduction = lossBatchReduction(root);
  const recorded = new Map<Tensor, { sqNorms: Float64Array; grads?: TypedArray }>();
  const leafSources = new Map<Tensor, Set<string>>();
  const stats: PerExampleRecorder = {
    mode,
    exampleScale: (batch) => (batchReduction === 'sum' ? 1 : batch),
    wants: (t) => t.requiresGrad && t.isLeaf,
    record(param, sqNorms, grads) {
      const previous = recorded.get(param);
      if (!previous) {
        recorded.set(param, { sqNorms, grads });
        return;
      }
      // A parameter used twice: per-example gradients add, their norms do not.
      if (!previous.grads || !grads) {
        throw new Error(
          `per-example statistics: ${describeParameter(param)} is used more than once in the graph; ` +
            `use backward({ perExample: 'grads' }) so that its per-example gradients can be summed`,
        );
      }
      for (let i = 0; i < grads.length; i++) previous.grads[i] += grads[i];
      const per = grads.length / sqNorms.length;
      for (let b = 0; b < sqNorms.length; b++) {
        let s = 0;
        for (let i = b * per; i < (b + 1) * per; i++) s += previous.grads[i] * previous.grads[i];
        previous.sqNorms[b] = s;
      }
    },
  };
  return {
    visit(node, outputGrad, inputGrads) {
      node.inputs.forEach((input, k) => {
        if (!input.isLeaf || !input.requiresGrad || !inputGrads[k]) return;
        let sources = leafSources.get(input);
        if (!sources) leafSources.set(input, (sources = new Set()));
        sources.add(node.op);
      });
      node.perExample?.(outputGrad, stats);
    },
    finish() {
      for (const [param, ops] of leafSources) {
        const rec = recorded.get(param);
        if (!rec) {
          throw new Error(
            `per-example statistics: ${describeParameter(param)} gets its gradient from ${[...ops].map((o) => `'${o}'`).join(', ')}, ` +
              `which does not compute per-example gradients (supported: linear, conv2d)`,
          );
        }
        param.perExample = mode === 'grads' ? rec : { sqNorms: rec.sqNorms };
      }
    },
  };
}
