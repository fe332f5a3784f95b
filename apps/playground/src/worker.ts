/**
 * The training worker: it owns the data, the model and the optimizer, so that the page never
 * freezes while a step runs. It trains in slices of about 100 ms and yields between them, so that
 * pause, the temperature slider and predictions are answered mid-run.
 */
import { isGzip, loadMnist, MNIST_FILES, type MnistData } from '@thermograd/data';
import { useBackend } from './backends.js';
import { checkpointBytes } from './checkpoint.js';
import { runBench } from './bench.js';
import { runInvariance } from './invariance.js';
import { provideFile } from './node-shims/fs.js';
import type { FromWorker, RunSettings, ToWorker } from './protocol.js';
import { prepareData, Session, type PreparedData } from './session.js';

const post = (message: FromWorker, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(message, transfer);

/** The directory the fetched MNIST files are placed under in the in-memory file system. */
const DATA_DIR = '/mnist';
let fetched: Promise<void> | null = null;
const prepared = new Map<string, PreparedData>();

/** Fetches the four gzipped IDX files once and unpacks them into the in-memory file system. */
function fetchMnist(): Promise<void> {
  fetched ??= Promise.all(
    Object.values(MNIST_FILES).map(async (name) => {
      const file = `${import.meta.env.BASE_URL}mnist/${name}.gzip`;
      const response = await fetch(file);
      if (!response.ok)
        throw new Error(
          `MNIST file ${file}: HTTP ${response.status} (prepare it with: pnpm --filter playground data)`,
        );
      let bytes = new Uint8Array(await response.arrayBuffer());
      // A server may still have unpacked it on the way (Content-Encoding); unpack only a gzip stream.
      if (isGzip(bytes)) {
        const unpacked = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
        bytes = new Uint8Array(await new Response(unpacked).arrayBuffer());
      }
      provideFile(`${DATA_DIR}/${name}`, bytes);
    }),
  ).then(() => undefined);
  return fetched;
}

/** The CLI's data for a run: the first `limit` training images, standardised, validation held out. */
export async function dataFor(
  limit: number | undefined,
  validation: number,
): Promise<PreparedData> {
  const key = `${limit}|${validation}`;
  let data = prepared.get(key);
  if (!data) {
    await fetchMnist();
    const mnist: MnistData = loadMnist({ dir: DATA_DIR, trainLimit: limit });
    data = prepareData(mnist, validation);
    prepared.set(key, data);
  }
  return data;
}

let session: Session | null = null;
let settings: RunSettings | null = null;
let running = false;

const finished = () =>
  session !== null &&
  (session.done || (settings?.maxSteps !== undefined && session.step >= settings.maxSteps));

function report(): void {
  post({ type: 'running', running, done: finished() });
}

async function runLoop(): Promise<void> {
  while (running && session && !finished()) {
    const records = [];
    const sliceStart = performance.now();
    while (running && !finished() && performance.now() - sliceStart < 100)
      records.push(session.trainStep());
    post({ type: 'steps', records });
    // Let queued messages (pause, slider, predict) run before the next slice.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  running = false;
  report();
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init': {
      running = false;
      settings = message.run;
      const note = await useBackend(settings.backend);
      const c = settings.config;
      session = new Session(c, await dataFor(c.limit, c.validation));
      post({
        type: 'ready',
        backend: settings.backend,
        backendNote: note,
        model: session.model.describe,
        parameters: session.model.module.numParameters(),
        totalSteps: session.totalSteps,
        stepsPerEpoch: session.batcher.stepsPerEpoch,
        trainExamples: session.data.train.n,
      });
      report();
      return;
    }
    case 'start':
      if (!session || running) return;
      running = true;
      report();
      // Not awaited: the loop yields between slices, and the queue goes on serving messages.
      void runLoop().catch(fail);
      return;
    case 'pause':
      running = false;
      return;
    case 'step':
      if (!session || running || session.done) return;
      post({ type: 'steps', records: [session.trainStep()] });
      report();
      return;
    case 'temperature':
      session?.setBase(message.value);
      return;
    case 'predict':
      if (session) post({ type: 'prediction', probabilities: session.predict(message.pixels) });
      return;
    case 'checkpoint': {
      if (!session) return;
      const bytes = await checkpointBytes(session.checkpointBody());
      const name = `checkpoint-step${session.step}.json`;
      post({ type: 'checkpoint', bytes, name }, [bytes.buffer]);
      return;
    }
    case 'invariance':
      await useBackend(message.backend);
      await runInvariance(message, (data) => post(data), dataFor);
      return;
    case 'bench':
      post(await runBench(message.backend, message.seconds));
      return;
  }
}

// Messages are handled one at a time, in order; a failure is reported to the page, never swallowed.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  // These act at once, between two slices of a run in progress.
  const immediate = ['pause', 'temperature', 'predict', 'checkpoint'];
  if (immediate.includes(message.type)) {
    void handle(message).catch(fail);
    return;
  }
  queue = queue.then(() => handle(message)).catch(fail);
};

function fail(err: unknown): void {
  running = false;
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}

// A module worker whose imports are still loading (top-level awaits included) drops messages
// that arrive before onmessage is set: the page waits for this before it sends anything.
post({ type: 'loaded' });
