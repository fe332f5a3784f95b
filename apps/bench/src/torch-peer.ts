/**
 * PyTorch (CPU) as a peer in the bench: the model, data and initial weights of a config handed to
 * a Python child process (python/torch_peer.py, one JSON request and one JSON answer per line),
 * which trains it with plain SGD and times its own steps. The Python is `BENCH_PYTHON` (default
 * `python3`); when it cannot import torch the bench skips PyTorch with a one-line note.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Batch } from './data.js';
import { initialWeights } from './data.js';
import { CNN, cnnWeights } from './cnn-weights.js';

const SCRIPT = fileURLToPath(new URL('../python/torch_peer.py', import.meta.url));

export const benchPython = () => process.env.BENCH_PYTHON ?? 'python3';

/** The torch version when `python` imports torch, else why not (one line). */
export function torchVersion(python = benchPython()): { version?: string; why?: string } {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {
    encoding: 'utf8',
  });
  if (r.error) return { why: `${python} not found (${r.error.message})` };
  if (r.status !== 0) {
    const last = r.stderr.trim().split('\n').pop() ?? '';
    return { why: `${python} cannot import torch (${last})` };
  }
  return { version: r.stdout.trim() };
}

const b64 = (a: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

export type TorchModel = { kind: 'mlp'; sizes: readonly number[] } | { kind: 'cnn' };

/** The model's layers in thermograd's layouts, as the peer's setup request lists them. */
function layers(model: TorchModel) {
  if (model.kind === 'mlp') {
    const { sizes } = model;
    return initialWeights(sizes).map(({ w, b }, l) => ({
      w: b64(w),
      b: b64(b),
      shape: [sizes[l + 1], sizes[l]],
    }));
  }
  const init = cnnWeights();
  return [
    ...CNN.conv.map(({ inC, outC, k, pad }, l) => ({
      w: b64(init.conv[l].w),
      b: b64(init.conv[l].b),
      shape: [outC, inC, k, k],
      pad,
    })),
    ...CNN.fc.map(({ inF, out }, l) => ({
      w: b64(init.fc[l].w),
      b: b64(init.fc[l].b),
      shape: [out, inF],
    })),
  ];
}

/** One Python child process running the PyTorch side of one config on `threads` threads. */
export class TorchPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly answers: ((line: string) => void)[] = [];
  private stderr = '';

  constructor(
    readonly threads: number,
    python = benchPython(),
  ) {
    this.child = spawn(python, [SCRIPT, String(threads)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) =>
      this.answers.shift()?.(line),
    );
    this.child.on('exit', (code) => {
      const pending = this.answers.splice(0);
      const why = `torch peer exited (code ${code}): ${this.stderr.trim().split('\n').pop() ?? ''}`;
      for (const answer of pending) answer(JSON.stringify({ error: why }));
    });
  }

  private request<T>(req: object): Promise<T> {
    return new Promise((resolve, reject) => {
      this.answers.push((line) => {
        const out = JSON.parse(line) as T & { error?: string };
        if (out.error) reject(new Error(out.error));
        else resolve(out);
      });
      this.child.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  async setup(model: TorchModel, lr: number, batches: readonly Batch[]): Promise<void> {
    await this.request({
      cmd: 'setup',
      kind: model.kind,
      lr,
      batches: batches.map((d) => ({ x: b64(d.x), labels: Array.from(d.labels) })),
      weights: layers(model),
    });
  }

  async losses(steps: number): Promise<number[]> {
    return (await this.request<{ losses: number[] }>({ cmd: 'losses', steps })).losses;
  }

  async stepsPerSecond(seconds: number, minSteps: number): Promise<number> {
    const out = await this.request<{ steps_per_second: number }>({
      cmd: 'measure',
      seconds,
      min_steps: minSteps,
    });
    return out.steps_per_second;
  }

  async matmulGflops(
    n: number,
    transA: boolean,
    transB: boolean,
    seconds: number,
  ): Promise<number> {
    const out = await this.request<{ gflops: number }>({
      cmd: 'matmul',
      n,
      trans_a: transA,
      trans_b: transB,
      seconds,
    });
    return out.gflops;
  }

  close(): void {
    this.child.stdin.end();
  }
}
