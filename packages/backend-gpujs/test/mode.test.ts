/** Mode selection: what is chosen, and the reason reported, with and without a WebGPU adapter. */
import { describe, expect, it } from 'vitest';
import { getBackend, tensor } from '@thermograd/autograd';
import {
  chooseMode,
  createGpuBackend,
  GpuBackend,
  probeWebGpu,
  WEBGPU_BRIDGE_REASON,
  type WebGpuProbe,
} from '../src/index.js';

const noAdapter = async (): Promise<WebGpuProbe> => ({
  available: false,
  detail: 'webgpu loaded, but Dawn found no adapter',
});
const adapter = async (): Promise<WebGpuProbe> => ({
  available: true,
  detail: 'adapter: nvidia hopper',
});

describe('chooseMode', () => {
  it('takes cpu and webasm as asked, falling back from webasm to cpu without WebAssembly SIMD', async () => {
    expect(await chooseMode('cpu', { wasm: () => true })).toEqual({
      requested: 'cpu',
      mode: 'cpu',
      bridged: false,
      reason: 'mode cpu was requested',
    });
    expect(await chooseMode('webasm', { wasm: () => true, bridge: true })).toEqual({
      requested: 'webasm',
      mode: 'webasm',
      bridged: true,
      reason: 'mode webasm was requested (kernels in a worker thread, as requested)',
    });
    expect((await chooseMode('webasm', { wasm: () => true })).mode).toBe('webasm');
    const fallback = await chooseMode('webasm', { wasm: () => false });
    expect(fallback.mode).toBe('cpu');
    expect(fallback.reason).toBe(
      'mode webasm was requested, but WebAssembly SIMD is not available here: using cpu',
    );
    await expect(chooseMode('webasm', { wasm: () => false, strict: true })).rejects.toThrow(
      /WebAssembly SIMD is not available/,
    );
  });

  it('auto without an adapter picks webasm and says why', async () => {
    const c = await chooseMode('auto', { probe: noAdapter, wasm: () => true });
    expect(c.mode).toBe('webasm');
    expect(c.reason).toBe(
      'auto: no webgpu: webgpu loaded, but Dawn found no adapter; using webasm (WebAssembly SIMD is available)',
    );
    expect(c.webgpu?.available).toBe(false);
    expect((await chooseMode('auto', { probe: noAdapter, wasm: () => false })).mode).toBe('cpu');
  });

  it('webgpu requested: falls back with the reason, or throws when strict', async () => {
    const c = await chooseMode('webgpu', { probe: noAdapter, wasm: () => true });
    expect(c.mode).toBe('webasm');
    expect(c.reason).toMatch(
      /^mode webgpu was requested: no webgpu: webgpu loaded, but Dawn found no adapter; using webasm/,
    );
    await expect(chooseMode('webgpu', { probe: noAdapter, strict: true })).rejects.toThrow(
      /mode webgpu was requested: no webgpu/,
    );
    // With an adapter, webgpu runs behind the bridge, and the reason says so.
    const found = await chooseMode('webgpu', { probe: adapter, wasm: () => true });
    expect(found.mode).toBe('webgpu');
    expect(found.bridged).toBe(true);
    expect(found.reason).toBe(
      `mode webgpu was requested: webgpu adapter: nvidia hopper; ${WEBGPU_BRIDGE_REASON}`,
    );
    const auto = await chooseMode('auto', { probe: adapter, wasm: () => true });
    expect([auto.mode, auto.bridged]).toEqual(['webgpu', true]);
    expect(auto.reason).toMatch(
      /^auto: webgpu adapter: nvidia hopper; .*worker thread.*Atomics\.wait/,
    );
  });

  it('rejects an unknown mode by name', async () => {
    await expect(chooseMode('webgl' as never)).rejects.toThrow(
      `gpu backend: unknown mode "webgl"; expected 'cpu', 'webasm', 'webgpu' or 'auto'`,
    );
  });

  it('refuses a browser mode (webgl, webgl2) behind the bridge, a Node worker thread', () => {
    for (const mode of ['webgl', 'webgl2'] as const)
      expect(() => new GpuBackend({ mode, bridge: true, name: `gpu-${mode}` })).toThrow(
        `gpu backend: mode ${mode} runs in a browser, in process; the bridge is a Node worker thread`,
      );
  });
});

describe('on this machine', () => {
  it('probes for a WebGPU adapter and reports what it found', async () => {
    // Concurrent probes share one worker (two would be two threads in Dawn, which aborts).
    const [probe, again] = await Promise.all([probeWebGpu(), probeWebGpu()]);
    expect(again).toBe(probe);
    // CI has no GPU: webgpu@0.3.8 loads and finds no adapter. A GPU machine reports its adapter.
    expect(probe.detail).toMatch(probe.available ? /^adapter: / : /no adapter|did not load|failed/);
    const later = await probeWebGpu();
    expect(later).not.toBe(probe);
    expect(later).toEqual(probe);
  });

  it('createGpuBackend registers under gpu and reports the chosen mode and why', async () => {
    const real = await probeWebGpu();
    const gpu = await createGpuBackend({ mode: 'auto' });
    expect(getBackend('gpu')).toBe(gpu);
    // CI: no adapter, so webasm (or cpu); with a GPU or `pnpm test:webgpu`'s lavapipe: webgpu.
    expect(real.available ? ['webgpu'] : ['cpu', 'webasm']).toContain(gpu.mode);
    expect(gpu.choice.reason).toMatch(/^auto: /);
    const t = tensor([1, 2, 3], [3], { backend: 'gpu', dtype: 'float32' });
    expect(Array.from(t.mul(2).dataSync())).toEqual([2, 4, 6]);
    if (real.available) {
      // Dawn serves one thread per process: a second webgpu backend falls back, saying why, and
      // one made after destroy() gets the GPU again.
      const second = await createGpuBackend({ mode: 'auto', name: 'gpu-second' });
      expect(second.mode).not.toBe('webgpu');
      expect(second.choice.reason).toMatch(/a webgpu gpu backend already runs in this process/);
      expect(() => new GpuBackend({ mode: 'webgpu', bridge: true, name: 'gpu-third' })).toThrow(
        /Dawn \(the webgpu package\) serves one thread at a time/,
      );
      gpu.destroy();
      const again = await createGpuBackend({ mode: 'webgpu', name: 'gpu-again' });
      expect(again.mode).toBe('webgpu');
      expect(
        Array.from(tensor([1, 2], [2], { backend: again, dtype: 'float32' }).add(1).dataSync()),
      ).toEqual([2, 3]);
      again.destroy();
    } else {
      gpu.destroy();
    }
  });

  it('webgpu through the bridge: the worker loads Dawn and runs, or the backend falls back saying why', async () => {
    // The probe is told there is an adapter, so the worker really starts in webgpu mode here.
    const real = await probeWebGpu();
    const gpu = await createGpuBackend({
      mode: 'webgpu',
      probe: adapter,
      name: 'gpu-webgpu-attempt',
      timeoutMs: 60_000,
    });
    if (real.available) {
      expect([gpu.mode, gpu.bridged]).toEqual(['webgpu', true]);
      const t = tensor([1, 2, 3], [3], { backend: gpu, dtype: 'float32' });
      expect(Array.from(t.mul(2).dataSync())).toEqual([2, 4, 6]);
    } else {
      expect(['webasm', 'cpu']).toContain(gpu.mode);
      expect(gpu.bridged).toBe(false);
      expect(gpu.choice.reason).toMatch(
        /^mode webgpu was requested: webgpu adapter: nvidia hopper; .* but the webgpu worker failed \(.*(Dawn found no adapter|Dawn would find no adapter \(not loaded\))\): using (webasm|cpu)/,
      );
      await expect(
        createGpuBackend({
          mode: 'webgpu',
          probe: adapter,
          strict: true,
          name: 'gpu-webgpu-strict',
        }),
      ).rejects.toThrow(
        /the worker could not start gpu.js in mode webgpu: (webgpu loaded in the worker, but Dawn found no adapter|no Vulkan loader \(libvulkan.so.1\): Dawn would find no adapter \(not loaded\))/,
      );
    }
    gpu.destroy();
  });
});
