/**
 * Reverse-mode automatic differentiation.
 *
 * Every op result that depends on a tensor requiring gradients gets a GradNode: its inputs and a
 * backward function mapping dL/d(output) to dL/d(input) for each input. `runBackward` visits nodes
 * in reverse topological order, so a node runs only once every consumer of its output has added
 * its contribution; gradients of tensors used more than once are summed.
 *
 * Backward functions are written with ordinary ops and run with gradient recording off.
 */
import type { TypedArray } from './dtype.js';
import { shapeToString, shapesEqual } from './shape.js';
import { Tensor } from './tensor.js';

export type PerExampleMode = false | 'norms' | 'grads';

export interface BackwardOptions {
  /**
   * Per-example gradient statistics for a loss that is the mean (or the sum) over the leading
   * (batch) axis, taken as the loss's last op: 'norms' leaves |ĝ_b|² on every parameter's
   * `perExample` record, 'grads' also the per-example gradients. Only ops that implement it
   * (linear, conv2d) may touch parameters.
   */
  perExample?: PerExampleMode;
}

/**
 * How a loss combines the examples of its batch: L = (1/B) Σ_b l_b ('mean') or Σ_b l_b ('sum').
 * Per-example statistics need it: example b's own output gradient is B·dy_b for a mean and dy_b
 * for a sum. mean, sum (over axes that include the batch axis) and the losses record it on their
 * result's GradNode.
 */
export type BatchReduction = 'mean' | 'sum';

/** What a backward function may use besides the output gradient. */
export interface BackwardContext {
  readonly perExample: PerExampleMode;
  /**
   * The factor from an op's output gradient dy_b to example b's own gradient δ_b = scale · dy_b:
   * the batch size B for a batch-mean loss, 1 for a batch-sum (see BatchReduction).
   */
  exampleScale(batch: number): number;
  /** True when per-example statistics are wanted for this input (a leaf that requires grad). */
  wantsPerExample(input: Tensor): boolean;
  /** Records example b's squared gradient norm (and the gradient, in 'grads' mode) for a parameter. */
  recordPerExample(param: Tensor, sqNorms: Float64Array, grads?: TypedArray): void;
}

export interface GradNode {
  /** The op's name, for error messages and anomaly reports. */
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Set when this op reduces the batch axis of a loss (see BatchReduction). */
  readonly batchReduction?: BatchReduction;
  /** dL/d(inputs) from dL/d(output); null for inputs that need no gradient. */
  backward(outputGrad: Tensor, ctx: BackwardContext): readonly (Tensor | null | undefined)[];
}

// --- gradient mode -------------------------------------------------------------------------------

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording a graph (PyTorch's torch.no_grad()). */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

// --- anomaly detection ---------------------------------------------------------------------------

let anomalyMode = false;

export class AnomalyError extends Error {
  override name = 'AnomalyError';
}

/** Like PyTorch's detect_anomaly: names the first op whose forward or backward produced NaN or Inf. */
export function setDetectAnomaly(enabled: boolean): void {
  anomalyMode = enabled;
}

export function isAnomalyDetectionEnabled(): boolean {
  return anomalyMode;
}

export function detectAnomaly<T>(fn: () => T): T {
  const previous = anomalyMode;
  anomalyMode = true;
  try {
    return fn();
  } finally {
    anomalyMode = previous;
  }
}

function firstNonFinite(t: Tensor): number {
  const v = t.dataSync();
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return i;
  return -1;
}

function checkAnomaly(
  op: string,
  pass: 'forward' | 'backward',
  out: Tensor,
  inputs: readonly Tensor[],
): void {
  const at = firstNonFinite(out);
  if (at < 0) return;
  // Only the op that turns finite inputs into non-finite output is to blame.
  if (inputs.some((t) => firstNonFinite(t) >= 0)) return;
  const value = out.dataSync()[at];
  throw new AnomalyError(
    `anomaly: ${pass} of '${op}' produced ${value} at flat index ${at} of its ${pass === 'forward' ? 'output' : 'input gradient'} ` +
      `${shapeToString(out.shape)} from finite inputs ${inputs.map((t) => shapeToString(t.shape)).join(', ')}`,
  );
}

// --- building the graph --------------------------------------------------------------------------

/**
 * Wraps an op's forward result. When gradients are recorded and some input requires them, the
 * result joins the graph with `backward` as its local derivative. Reductions of the batch axis
 * say which (`batchReduction`), for per-example statistics.
 */
export function fromOp(
  op: string,
  result: Tensor,
  inputs: readonly Tensor[],
  backward: GradNode['backward'],
  batchReduction?: BatchReduction,
): Tensor {
  if (anomalyMode) checkAnomaly(op, 'forward', result, inputs);
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    result.requiresGrad = true;
    result.gradNode = batchReduction
      ? { op, inputs, backward, batchReduction }
      : { op, inputs, backward };
  }
  return result;
}

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

// --- running backward ----------------------------------------------------------------------------

function topologicalOrder(root: Tensor): Tensor[] {
  // Iterative post-order DFS: deep graphs (long unrolled loops) must not overflow the stack.
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: { t: Tensor; next: number }[] = [{ t: root, next: 0 }];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top.t.gradNode?.inputs ?? [];
    if (top.next < inputs.length) {
      const child = inputs[top.next++];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push({ t: child, next: 0 });
      }
    } else {
      order.push(top.t);
      stack.pop();
    }
  }
  return order; // inputs before the tensors computed from them
}

export function runBackward(
  root: Tensor,
  outputGrad: Tensor | undefined,
  options: BackwardOptions,
): void {
  if (root.isDisposed) {
    throw new Error(
      `backward: ${root.describe()} was disposed (a tidy scope disposes what it neither returns nor keeps)`,
    );
  }
  if (!root.requiresGrad) {
    throw new Error(
      `backward: ${root.describe()} does not require grad (no input of its graph has requiresGrad)`,
    );
  }
  let seed: Tensor;
  if (outputGrad === undefined) {
    if (root.size !== 1) {
      throw new Error(
        `backward: output ${shapeToString(root.shape)} is not a scalar; pass an output gradient of the same shape (e.g. ones)`,
      );
    }
    seed = new Tensor(
      root.backend.fromValues([1], root.dtype),
      root.shape,
      root.dtype,
      root.backend,
    );
  } else {
    if (!shapesEqual(outputGrad.shape, root.shape)) {
      throw new Error(
        `backward: output gradient ${shapeToString(outputGrad.shape)} does not match output ${shapeToString(root.shape)}`,
      );
    }
    seed = outputGrad;
  }

  const perExample = options.perExample ?? false;
  const batchReduction = perExample === false ? undefined : lossBatchReduction(root);
  const recorded = new Map<Tensor, { sqNorms: Float64Array; grads?: TypedArray }>();
  const leafSources = new Map<Tensor, Set<string>>();
  const ctx: BackwardContext = {
    perExample,
    exampleScale: (batch) => (batchReduction === 'sum' ? 1 : batch),
    wantsPerExample: (t) => perExample !== false && t.requiresGrad && t.isLeaf,
    recordPerExample(param, sqNorms, grads) {
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

  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  const previousMode = gradEnabled;
  gradEnabled = false;
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (g === undefined) continue;
      const node = t.gradNode;
      if (node === null) {
        // A leaf: accumulate into .grad, as PyTorch does across backward calls.
        t.grad = t.grad === null ? g : addGrads(t.grad, g);
        continue;
      }
      grads.delete(t); // intermediate gradients are not kept
      const inputGrads = node.backward(g, ctx);
      node.inputs.forEach((input, k) => {
        const ig = inputGrads[k];
        if (!input.requiresGrad || ig === null || ig === undefined) return;
        if (!shapesEqual(ig.shape, input.shape)) {
          throw new Error(
            `backward of '${node.op}': gradient ${shapeToString(ig.shape)} for input ${k} of shape ${shapeToString(input.shape)} (a bug in the op)`,
          );
        }
        if (anomalyMode) checkAnomaly(node.op, 'backward', ig, [g]);
        if (input.isLeaf) {
          let sources = leafSources.get(input);
          if (!sources) leafSources.set(input, (sources = new Set()));
          sources.add(node.op);
        }
        const existing = grads.get(input);
        grads.set(input, existing === undefined ? ig : addGrads(existing, ig));
      });
    }
  } finally {
    gradEnabled = previousMode;
  }

  if (perExample !== false) {
    for (const [param, ops] of leafSources) {
      const rec = recorded.get(param);
      if (!rec) {
        throw new Error(
          `per-example statistics: ${describeParameter(param)} gets its gradient from ${[...ops].map((o) => `'${o}'`).join(', ')}, ` +
            `which does not compute per-example gradients (supported: linear, conv2d)`,
        );
      }
      param.perExample = perExample === 'grads' ? rec : { sqNorms: rec.sqNorms };
    }
  }
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

function addGrads(a: Tensor, b: Tensor): Tensor {
  const storage = a.backend.binary('add', a.storage, a.shape, b.storage, b.shape, a.shape, a.dtype);
  return new Tensor(storage, a.shape, a.dtype, a.backend);
}
