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
import { shapeToString, shapesEqual } from './shape.js';
import { Tensor } from './tensor.js';
import {
  startPerExample,
  type BatchReduction,
  type PerExampleMode,
  type PerExampleRule,
} from './per-example.js';

export type { BatchReduction, PerExampleMode, PerExampleRule } from './per-example.js';

export interface BackwardOptions {
  /**
   * Per-example gradient statistics for a loss that is the mean (or the sum) over the leading
   * (batch) axis, taken as the loss's last op: 'norms' leaves |ĝ_b|² on every parameter's
   * `perExample` record, 'grads' also the per-example gradients. Only ops with a per-example rule
   * (linear, conv2d) may touch parameters. See per-example.ts.
   */
  perExample?: PerExampleMode;
}

export interface GradNode {
  /** The op's name, for error messages and anomaly reports. */
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Set when this op reduces the batch axis of a loss (see BatchReduction). */
  readonly batchReduction?: BatchReduction;
  /** The op's per-example statistics rule (linear, conv2d; see per-example.ts). */
  readonly perExample?: PerExampleRule;
  /** dL/d(inputs) from dL/d(output); null for inputs that need no gradient. */
  backward(outputGrad: Tensor): readonly (Tensor | null | undefined)[];
}

// --- modes: gradient recording and anomaly detection ---------------------------------------------

const mode = { grad: true, anomaly: false };

/** Runs `fn` with a mode set to `enabled`, restoring it afterwards. */
function withMode<T>(name: keyof typeof mode, enabled: boolean, fn: () => T): T {
  const previous = mode[name];
  mode[name] = enabled;
  try {
    return fn();
  } finally {
    mode[name] = previous;
  }
}

export function isGradEnabled(): boolean {
  return mode.grad;
}

/** Runs `fn` without recording a graph (PyTorch's torch.no_grad()). */
export function noGrad<T>(fn: () => T): T {
  return withMode('grad', false, fn);
}

export class AnomalyError extends Error {
  override name = 'AnomalyError';
}

/** Like PyTorch's detect_anomaly: names the first op whose forward or backward produced NaN or Inf. */
export function setDetectAnomaly(enabled: boolean): void {
  mode.anomaly = enabled;
}

/** Whether anomaly detection is on (PyTorch's torch.is_anomaly_enabled()). */
export function isAnomalyDetectionEnabled(): boolean {
  return mode.anomaly;
}

export function detectAnomaly<T>(fn: () => T): T {
  return withMode('anomaly', true, fn);
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
 * say which (`batchReduction`); ops with per-example statistics pass their rule (per-example.ts).
 */
export function fromOp(
  op: string,
  result: Tensor,
  inputs: readonly Tensor[],
  backward: GradNode['backward'],
  batchReduction?: BatchReduction,
  perExample?: PerExampleRule,
): Tensor {
  if (mode.anomaly) checkAnomaly(op, 'forward', result, inputs);
  if (mode.grad && inputs.some((t) => t.requiresGrad)) {
    result.requiresGrad = true;
    result.gradNode = {
      op,
      inputs,
      backward,
      ...(batchReduction && { batchReduction }),
      ...(perExample && { perExample }),
    };
  }
  return result;
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
  if (outputGrad === undefined && root.size !== 1) {
    throw new Error(
      `backward: output ${shapeToString(root.shape)} is not a scalar; pass an output gradient of the same shape (e.g. ones)`,
    );
  }
  if (outputGrad !== undefined && !shapesEqual(outputGrad.shape, root.shape)) {
    throw new Error(
      `backward: output gradient ${shapeToString(outputGrad.shape)} does not match output ${shapeToString(root.shape)}`,
    );
  }
  const { backend, dtype } = root;
  const seed = outputGrad ?? new Tensor(backend.fromValues([1], dtype), root.shape, dtype, backend);

  const perExample = options.perExample ? startPerExample(root, options.perExample) : null;

  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  noGrad(() => {
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
      const inputGrads = node.backward(g);
      perExample?.visit(node, g, inputGrads);
      node.inputs.forEach((input, k) => {
        const ig = inputGrads[k];
        if (!input.requiresGrad || ig === null || ig === undefined) return;
        if (!shapesEqual(ig.shape, input.shape)) {
          throw new Error(
            `backward of '${node.op}': gradient ${shapeToString(ig.shape)} for input ${k} of shape ${shapeToString(input.shape)} (a bug in the op)`,
          );
        }
        if (mode.anomaly) checkAnomaly(node.op, 'backward', ig, [g]);
        const existing = grads.get(input);
        grads.set(input, existing === undefined ? ig : addGrads(existing, ig));
      });
    }
  });

  perExample?.finish();
}

function addGrads(a: Tensor, b: Tensor): Tensor {
  const storage = a.backend.binary('add', a.storage, a.shape, b.storage, b.shape, a.shape, a.dtype);
  return new Tensor(storage, a.shape, a.dtype, a.backend);
}
