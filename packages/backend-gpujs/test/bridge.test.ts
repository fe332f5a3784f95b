/**
 * The worker bridge (src/bridge.ts), the path webgpu takes on a GPU, exercised here with gpu.js
 * in webasm (or cpu) mode inside the worker: every kernel gives the same bits as in process,
 * buffers live in the worker and are released with tidy/dispose, failures in the worker surface
 * on this thread by name, a hung worker is reported instead of hanging, and the worker never keeps
 * the process alive (checked on a bundled script, as the GPU machine runs it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import {
  tensor,
  tidy,
  type Backend,
  type Conv2dGeometry,
  type MatmulParams,
  type Storage,
} from '@thermograd/autograd';
import { BINARY_OPS, UNARY_CASES } from '@thermograd/autograd/testing';
import { bundleForNode } from '../device/bundle.mjs';
import {
  GpuBackend,
  kernelSources as K,
  RemoteBuffer,
  WorkerDevice,
  type KernelFn,
} from '../src/index.js';
import { geometry } from '../../autograd/test/helpers.js';
import { MODES, rand32, WEBGPU } from './helpers.js';

const F = 'float32' as const;
const mode = MODES.at(-1)!;

/** Runs a battery covering every Backend kernel; returns every output, read back. */
function battery(b: Backend): Float32Array[] {
  const out: Storage[] = [];
  const host: Float32Array[] = [];
  const up = (v: Float32Array) => b.fromValues(v, F);
  const x = rand32(300, 1, 0.05, 3);
  x.set([NaN, -1, 0]);
  for (const { op, param: p, param2: p2 } of UNARY_CASES) {
    const y = b.unary(op, up(x), x.length, F, p, p2);
    out.push(y, b.unaryBackward(op, up(x), y, up(rand32(300, 2)), x.length, F, p, p2));
  }
  const a = Float32Array.from(rand32(3 * 1 * 4, 3, -3, 3), Math.round);
  const c = Float32Array.from(rand32(2, 4, -3, 3), Math.round);
  for (const op of BINARY_OPS)
    out.push(b.binary(op, up(a), [3, 1, 4], up(c), [2, 1], [3, 2, 4], F));
  out.push(
    b.where(up(Float32Array.of(1, 0, 1)), [3, 1], up(a), [3, 1, 4], up(c), [2, 1], [3, 2, 4], F),
  );
  const r = rand32(3 * 4 * 5, 5);
  for (const op of ['sum', 'max', 'min'] as const)
    for (const axes of [[0], [1, 2], []]) out.push(b.reduce(op, up(r), [3, 4, 5], axes, F));
  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    const p: MatmulParams = {
      batch: 2,
      m: 3,
      k: 1100,
      n: 4,
      transA,
      transB,
      aBatched: true,
      bBatched: false,
    };
    out.push(b.matmul(up(rand32(2 * 3 * 1100, 6)), up(rand32(1100 * 4, 7)), p, F));
  }
  out.push(
    b.permute(up(r), [3, 4, 5], [2, 0, 1], F),
    b.slice(up(r), [3, 4, 5], [1, 1, 0], [2, 2, 3], F),
  );
  out.push(b.unslice(up(rand32(12, 8)), [2, 2, 3], [1, 1, 0], [3, 4, 5], F));
  out.push(
    b.concat(
      [
        { storage: up(a), shape: [3, 4] },
        { storage: up(rand32(6, 16)), shape: [3, 2] },
      ],
      1,
      [3, 6],
      F,
    ),
  );
  out.push(
    b.gather(up(r), [3, 4, 5], 1, Int32Array.of(3, 0, 3), F),
    b.scatterAdd(up(rand32(36, 9)), [3, 3, 4], 0, Int32Array.of(1, 1, 0), [2, 3, 4], F),
  );
  const z = rand32(6 * 10, 10, -5, 5);
  const labels = Int32Array.of(1, 2, 3, 4, 5, 9);
  const ce = b.softmaxCrossEntropy(up(z), labels, 6, 10, F);
  const ls = b.logSoftmax(up(z), 6, 10, F);
  out.push(
    ce.losses,
    ce.probs,
    b.softmaxCrossEntropyBackward(ce.probs, labels, up(rand32(6, 11)), 6, 10, F),
  );
  out.push(ls, b.logSoftmaxBackward(ls, up(rand32(60, 12)), 6, 10, F));
  // The second geometry has windows wholly in the padding (−∞ in maxPool2d, fixed on the host).
  const geometries: Conv2dGeometry[] = [
    geometry(2, 3, 5, 6, [3, 3], [1, 1], [1, 1]),
    geometry(1, 1, 2, 2, [1, 1], [2, 2], [1, 1]),
  ];
  for (const g of geometries) {
    const img = rand32(g.n * g.c * g.h * g.w, 13);
    const mp = b.maxPool2d(up(img), g, F);
    const dy = rand32(g.n * g.c * g.outH * g.outW, 14);
    out.push(
      b.im2col(up(img), g, F),
      b.col2im(up(rand32(g.n * g.outH * g.outW * g.c * g.kh * g.kw, 15)), g, F),
    );
    out.push(mp.y, b.maxPool2dBackward(up(dy), mp.argmax, g, F));
    host.push(Float32Array.from(mp.argmax));
    out.push(b.avgPool2d(up(img), g, F), b.avgPool2dBackward(up(dy), g, F));
  }
  const w = b.zeros(4, F);
  b.write(w, [1, 2, 3, 4], F);
  out.push(w, b.cast(w, 4, F, F));
  return [...out.map((s) => Float32Array.from(b.read(s, F))), ...host];
}

describe(`the worker bridge (gpu.js ${mode} in a worker)`, () => {
  it('every kernel gives the same bits through the bridge as in process', () => {
    const inProcess = new GpuBackend({ mode, name: 'bridge-test-in-process' });
    const bridged = new GpuBackend({ mode, bridge: true, name: 'bridge-test-bridged' });
    expect(bridged.bridged).toBe(true);
    expect(bridged.device).toBeInstanceOf(WorkerDevice);
    const want = battery(inProcess);
    const got = battery(bridged);
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => expect(Array.from(g), `output ${i}`).toEqual(Array.from(want[i])));
    // The values live in the worker, and the kernels really ran there in this mode.
    expect(bridged.kernelModes()).toEqual([mode]);
    const device = bridged.device as WorkerDevice;
    expect(device.workerBuffers()).toBe(bridged.liveBuffers());
    bridged.destroy();
    expect(() => bridged.zeros(1, F)).toThrow(/the bridge was destroyed/);
  });

  it('reads are copies: writing to one does not change the buffer', () => {
    const gpu = new GpuBackend({ mode, bridge: true, name: 'bridge-test-copies' });
    const s = gpu.fromValues([1, 2, 3], F);
    gpu.read(s, F)[0] = 99;
    expect(Array.from(gpu.read(s, F))).toEqual([1, 2, 3]);
    // A read larger than the shared read-back area grows it.
    const big = gpu.unary('neg', gpu.fromValues(rand32(5000, 1), F), 5000, F, 0, 0);
    expect(Array.from(gpu.read(big, F)).slice(0, 3)).toEqual(
      Array.from(rand32(5000, 1).slice(0, 3), (v) => -v),
    );
    gpu.destroy();
  });

  it('dispose and tidy release the buffers in the worker', () => {
    const gpu = new GpuBackend({ mode, bridge: true, name: 'bridge-test-release' });
    const device = gpu.device as WorkerDevice;
    const kept = tensor([1, 2], [2], { backend: gpu, dtype: F });
    tidy(() => {
      kept.exp().add(kept);
      expect(device.workerBuffers()).toBe(3);
    });
    expect(device.workerBuffers()).toBe(1);
    kept.dispose();
    expect(device.workerBuffers()).toBe(0);
    expect(gpu.liveBuffers()).toBe(0);
    gpu.destroy();
  });

  it('data() reads without blocking through the bridge, interleaved with blocking reads', async () => {
    const gpu = new GpuBackend({ mode, bridge: true, name: 'bridge-test-read-async' });
    const device = gpu.device as WorkerDevice;
    const blockingReads = vi.spyOn(device, 'read');
    const x = tensor([1, 2, 3], [3], { backend: gpu, dtype: F });
    // Asked inside a scope that disposes the tensor before the answer comes: the values stay.
    const { first, second } = tidy(() => ({
      first: x.mul(2).data(),
      second: x.add(1).data(),
    }));
    expect(blockingReads).not.toHaveBeenCalled();
    // A blocking read between them takes the earlier answers off the channel on its way.
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3]);
    blockingReads.mockClear();
    const third = x.neg().data();
    expect(Array.from(await first)).toEqual([2, 4, 6]);
    expect(Array.from(await second)).toEqual([2, 3, 4]);
    expect(Array.from(await third)).toEqual([-1, -2, -3]);
    expect(blockingReads).not.toHaveBeenCalled();
    x.dispose();
    expect(gpu.liveBuffers()).toBe(1); // third's neg, made outside any scope
    gpu.destroy();
  });

  it('assign updates a parameter on the device, without a read-back, in process and bridged', () => {
    for (const bridge of [false, true]) {
      const gpu = new GpuBackend({ mode, bridge, name: `bridge-test-assign-${bridge}` });
      const p = tensor([1, 2, 3], [3], { backend: gpu, dtype: F, requiresGrad: true });
      const live = gpu.liveBuffers();
      for (let i = 0; i < 3; i++) tidy(() => gpu.assign(p, p.mul(2).add(1)));
      expect(Array.from(p.dataSync())).toEqual([15, 23, 31]);
      expect(gpu.liveBuffers()).toBe(live);
      if (gpu.device instanceof WorkerDevice) expect(gpu.device.workerBuffers()).toBe(live);
      expect(() => gpu.assign(p, tensor([1], [1], { backend: gpu, dtype: F }))).toThrow(
        /assign of 1 values to Tensor\[3\]/,
      );
      gpu.destroy();
    }
  });

  it('a failure in the worker surfaces on this thread, naming the op, and the bridge keeps working', () => {
    const device = new WorkerDevice({
      mode,
      extraKernels: {
        badKernel: 'function badKernel(x) { return x.map((v) => v)[this.thread.x]; }',
      },
    });
    // Launches are not awaited: the failure is reported at the next synchronous request.
    const missing = device.launch('matmul', K.copyKernel as KernelFn, 3, 1, [
      new RemoteBuffer(999, 3),
    ]);
    expect(() => device.read(missing)).toThrow(
      /^gpu backend \(\w+ in a worker\): matmul \(request #\d+\) failed in the worker: buffer #999 does not exist/,
    );
    const ok = device.upload(Float32Array.of(1, 2, 3));
    expect(
      Array.from(device.read(device.launch('neg', K.copyKernel as KernelFn, 3, 1, [ok]))),
    ).toEqual([1, 2, 3]);
    // A kernel gpu.js cannot compile: the message carries gpu.js's own words.
    const bad = function badKernel(): number {
      return 0;
    };
    device.launch('bad op', bad as KernelFn, 3, 1, [ok]);
    expect(() => device.sync()).toThrow(/bad op \(request #\d+\) failed in the worker: .+/);
    // The requests after a failure are skipped until it is reported, so there is no cascade.
    device.launch('first', bad as KernelFn, 3, 1, [ok]);
    device.launch('second', K.copyKernel as KernelFn, 3, 1, [ok]);
    expect(() => device.sync()).toThrow(/first \(request/);
    device.sync();
    // With checkEachLaunch the failing call itself throws.
    const strict = new WorkerDevice({ mode, checkEachLaunch: true });
    expect(() =>
      strict.launch('matmul', K.copyKernel as KernelFn, 3, 1, [new RemoteBuffer(7, 3)]),
    ).toThrow(/matmul \(request #\d+\) failed in the worker: buffer #7/);
    strict.destroy();
    device.destroy();
  });

  it('a worker that does not answer is reported after the timeout, not waited on forever', () => {
    // The timeout also bounds the worker's start (loading gpu.js), which on a loaded 2-core machine
    // took longer than 300 ms: 3 s still reports a 30 s hang well before it ends.
    const device = new WorkerDevice({ mode, timeoutMs: 3000 });
    const t0 = performance.now();
    expect(() => device.sleepInWorker(30_000)).toThrow(
      /no answer from the worker within 3000 ms during sleep 30000 ms \(it hung or died\)/,
    );
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(() => device.upload(Float32Array.of(1))).toThrow(/can no longer run kernels/);
  });

  // With THERMOGRAD_TEST_WEBGPU=1 (pnpm test:webgpu) the script runs webgpu: a process that ended
  // with a live webgpu worker aborted in Dawn in about half the runs before the bridge's exit hook.
  const exitMode = WEBGPU ? 'webgpu' : mode;
  it(`the worker does not keep the process alive, and ending it is clean (a bundled script in ${exitMode}, as on the GPU machine)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'thermograd-bridge-'));
    const packageDir = fileURLToPath(new URL('..', import.meta.url));
    // The bundle sits in the package so that gpu.js resolves from its node_modules at run time.
    const script = join(packageDir, `.bridge-test-${process.pid}.mjs`);
    try {
      const entry = join(dir, 'entry.ts');
      // Deliberately no destroy(): the process must still exit when its work is done.
      writeFileSync(
        entry,
        `import { GpuBackend } from ${JSON.stringify(join(packageDir, 'src/index.ts'))};\n` +
          `const gpu = new GpuBackend({ mode: ${JSON.stringify(exitMode)}, bridge: true });\n` +
          `const s = gpu.binary('mul', gpu.fromValues([1, 2, 3], 'float32'), [3], gpu.fromValues([2], 'float32'), [1], [3], 'float32');\n` +
          `console.log(JSON.stringify(Array.from(gpu.read(s, 'float32'))));\n` +
          `if (process.argv[2] === 'exit') process.exit(0);\n`,
      );
      await bundleForNode(entry, script, 'silent');
      // Ending by returning and by process.exit(), a few times each: the failure was intermittent.
      for (const ending of WEBGPU
        ? ['return', 'exit', 'return', 'exit', 'return', 'exit']
        : ['return', 'exit']) {
        const stdout = execFileSync(process.execPath, [script, ending], {
          timeout: 20_000,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        expect(stdout.trim(), `ending by ${ending}`).toBe('[2,4,6]');
      }
    } finally {
      rmSync(script, { force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
