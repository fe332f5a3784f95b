/**
 * Worker threads wherever the backend runs: Node's worker_threads, or Web Workers in a browser.
 * A worker is started from a source string that receives its start-up data through
 * `onStart(data => …)`, defined here for both hosts (Node: `workerData`; a browser: the first
 * message). Node's modules come from `process.getBuiltinModule` (Node ≥ 20.16), not from an
 * import, so a browser bundle of this package names no `node:` module.
 *
 * Blocking hand-offs (Atomics.wait) are not allowed on a browser's main thread, so there the
 * backend runs single-threaded; inside a Web Worker of a cross-origin-isolated page (which
 * SharedArrayBuffer requires) it uses workers like under Node.
 */
interface HostGlobals {
  process?: {
    env?: Record<string, string | undefined>;
    getBuiltinModule?: typeof process.getBuiltinModule;
  };
  navigator?: { hardwareConcurrency?: number };
  crossOriginIsolated?: boolean;
  WorkerGlobalScope?: unknown;
  Worker?: new (url: string) => { postMessage(data: unknown): void; terminate(): void };
  Blob?: new (parts: string[], options: { type: string }) => unknown;
  URL: { createObjectURL(blob: unknown): string };
}
const host = globalThis as unknown as HostGlobals;

const nodeWorkers = host.process?.getBuiltinModule?.('node:worker_threads');
const nodeOs = host.process?.getBuiltinModule?.('node:os');

/** The source prelude that gives a worker its start-up data on either host. */
const PRELUDE = `
const onStart = (start) => {
  if (typeof require === 'function') start(require('node:worker_threads').workerData);
  else self.onmessage = (event) => { self.onmessage = null; start(event.data); };
};
`;

/** An environment variable under Node (THERMOGRAD_THREADS); undefined in a browser. */
export function hostEnv(name: string): string | undefined {
  return host.process?.env?.[name];
}

/** How many threads may share blocking work here: the cores, or 1 where waiting is not allowed. */
export function availableThreads(): number {
  if (nodeOs) return nodeOs.availableParallelism();
  const inWorker = host.WorkerGlobalScope !== undefined;
  if (!inWorker || !host.crossOriginIsolated || !host.Worker) return 1;
  return host.navigator?.hardwareConcurrency ?? 1;
}

/**
 * Starts a worker running `source` (which calls `onStart`) with `data` (structured-cloneable;
 * shared memories and SharedArrayBuffers are shared, not copied). Under Node the worker does not
 * keep the process alive.
 */
export function startWorker(source: string, data: unknown): { terminate(): void } {
  const code = PRELUDE + source;
  if (nodeWorkers) {
    const worker = new nodeWorkers.Worker(code, { eval: true, workerData: data });
    worker.unref();
    return { terminate: () => void worker.terminate() };
  }
  if (!host.Worker || !host.Blob)
    throw new Error('fast backend: this host has neither worker_threads nor Web Workers');
  const url = host.URL.createObjectURL(new host.Blob([code], { type: 'text/javascript' }));
  const worker = new host.Worker(url);
  worker.postMessage(data);
  return worker;
}
