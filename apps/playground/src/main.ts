/**
 * The page: controls, live plots and the digit pad, talking to the training worker (worker.ts).
 * URL parameters set the controls (for links and automation): quick=1 (15,000 images, 2 epochs),
 * backend, model, hidden, optimizer, batch, mu, eta0, schedule, seed, limit, epochs, steps (stop
 * after that many), autostart=1. window.thermograd exposes the page's state to automation.
 */
import { DEFAULTS, DEFAULT_ETA0, SCHEDULES, type TrainConfig } from '@thermograd/demo/browser';
import { LinePlot } from './plot.js';
import {
  BACKENDS,
  type BackendChoice,
  type FromWorker,
  type InvariancePair,
  type ToWorker,
} from './protocol.js';
import type { StepRecord } from './session.js';
import { Sketch } from './sketch.js';

const $ = <T extends HTMLElement = HTMLInputElement>(id: string) =>
  document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

/** The quick setting: the e2e test's, about a minute to > 90 % validation accuracy on WebAssembly. */
const QUICK = { limit: '15000', epochs: '2', hidden: '256', batch: '64' };
if (params.get('quick') === '1')
  for (const [k, v] of Object.entries(QUICK)) if (!params.has(k)) params.set(k, v);

// The CLI's default schedule, selected (defaultSelected alone does not select it).
for (const name of SCHEDULES)
  $('schedule').append(
    new Option(name, name, name === DEFAULTS.schedule, name === DEFAULTS.schedule),
  );
const backendNames: Record<BackendChoice, string> = {
  wasm: 'WebAssembly (thermograd)',
  reference: 'reference (plain TypeScript)',
  webgl2: 'gpu.js WebGL2',
  webgl: 'gpu.js WebGL',
};
for (const b of BACKENDS) $('backend').append(new Option(backendNames[b], b));
for (const id of ['backend', 'model', 'hidden', 'channels', 'fc', 'limit', 'epochs', 'seed'])
  if (params.has(id)) $(id).value = params.get(id)!;
for (const id of ['optimizer', 'batch', 'mu', 'temperature', 'schedule'])
  if (params.has(id)) $(id).value = params.get(id)!;
// The slider is logarithmic; η0 itself is kept exact (the CLI's default 0.004 unless the URL says).
let eta0 = params.has('eta0') ? Number(params.get('eta0')) : DEFAULT_ETA0;
$('eta0').value = String(Math.log10(eta0));
const maxSteps = params.has('steps') ? Number(params.get('steps')) : undefined;

const eta0Value = () => eta0;
const showEta0 = () => ($('eta0-value').textContent = eta0Value().toPrecision(3));
showEta0();

const list = (id: string) =>
  $(id)
    .value.split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);

function configFromControls(): TrainConfig {
  const optimizer = $<HTMLSelectElement>('optimizer').value;
  const limit = Number($('limit').value);
  return {
    ...DEFAULTS,
    model: $<HTMLSelectElement>('model').value as TrainConfig['model'],
    hidden: list('hidden'),
    channels: list('channels'),
    fc: Number($('fc').value),
    optimizer,
    eta0: eta0Value(),
    batch: Number($('batch').value),
    mu: Number($('mu').value),
    temperature: optimizer === 'langevin' ? Number($('temperature').value) : undefined,
    schedule: $<HTMLSelectElement>('schedule').value as TrainConfig['schedule'],
    epochs: Number($('epochs').value),
    seed: Number($('seed').value),
    limit: limit >= 60000 ? undefined : limit,
    validation: Math.min(5000, Math.floor(limit / 3)),
    logEvery: 20,
    evalSize: 1000,
  };
}

// --- plots -----------------------------------------------------------------------------------------
/** A plot against training steps on one of the page's canvases. */
const stepPlot = (id: string, title: string, logY: boolean) =>
  new LinePlot($<HTMLCanvasElement>(id), title, { logY, xLabel: 'steps' });
const lossPlot = stepPlot('plot-loss', 'loss', true);
const lossSeries = lossPlot.addSeries({ name: 'minibatch', color: '#9ab' });
const lossAvgSeries = lossPlot.addSeries({ name: 'mean of 20', color: '#135' });
const accPlot = stepPlot('plot-accuracy', 'accuracy', false);
const trainAcc = accPlot.addSeries({ name: 'train', color: '#999' });
const valAcc = accPlot.addSeries({ name: 'validation', color: '#d62' });
const testAcc = accPlot.addSeries({ name: 'test', color: '#2a2' });
const etaPlot = stepPlot('plot-eta', 'temperature', true);
const eta0Series = etaPlot.addSeries({ name: 'η0', color: '#c33' });
const etaSeries = etaPlot.addSeries({ name: 'η (step)', color: '#36c' });
const noisePlot = stepPlot('plot-noise', 'gradient noise scale B_noise', true);
const noiseSeries = noisePlot.addSeries({ name: 'B_noise', color: '#726' });
const invariancePlot = new LinePlot($<HTMLCanvasElement>('plot-invariance'), 'loss', {
  logY: true,
  xLabel: 'epochs',
});

// --- state shown to the user and to automation ------------------------------------------------------
const state = {
  step: 0,
  totalSteps: 0,
  loss: NaN,
  batchAccuracy: NaN,
  valAccuracy: NaN,
  testAccuracy: NaN,
  eta0: NaN,
  eta: NaN,
  backend: '' as string,
  backendNote: '',
  model: '',
  ready: false,
  running: false,
  done: false,
  error: '',
  errors: [] as string[],
  firstLosses: [] as number[],
  prediction: null as number[] | null,
  invariance: [] as { phase: string; pair: InvariancePair; eta: number; final: number }[],
  bench: {} as Record<string, { examplesPerSec: number; note: string }>,
  examplesPerSec: NaN,
};
let recent: number[] = [];

function render(): void {
  const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(2)} %` : '–');
  $('status').textContent =
    `${state.model}  step ${state.step}/${maxSteps ?? state.totalSteps}  loss ${state.loss.toFixed(4)}\n` +
    `validation ${pct(state.valAccuracy)}  test ${pct(state.testAccuracy)}  η0 ${state.eta0.toPrecision(3)}  η ${state.eta.toPrecision(3)}\n` +
    `${Math.round(state.examplesPerSec)} examples/s  ${state.running ? 'running' : state.done ? 'done' : 'paused'}`;
  const first = state.firstLosses;
  $('first-losses').textContent =
    first
      .slice(0, 5)
      .map((l, i) => `step ${i + 1}: ${l.toPrecision(8)}`)
      .join('\n') +
    (first.length === 20
      ? `\nmean of steps 1–20: ${first.reduce((a, b) => a + b) / 20}\n(the CLI's first record in metrics.jsonl, --log-every 20)`
      : '');
  $('error').textContent = state.error;
}

function onSteps(records: StepRecord[]): void {
  for (const r of records) {
    if (state.firstLosses.length < 20) state.firstLosses.push(r.loss);
    recent.push(r.loss);
    if (recent.length > 20) recent.shift();
    lossPlot.add(lossSeries, r.step, r.loss);
    if (r.step % 5 === 0)
      lossPlot.add(lossAvgSeries, r.step, recent.reduce((a, b) => a + b) / recent.length);
    if (r.step % 5 === 0) accPlot.add(trainAcc, r.step, r.batchAccuracy);
    etaPlot.add(eta0Series, r.step, r.eta0);
    etaPlot.add(etaSeries, r.step, r.eta);
    if (r.valAccuracy !== undefined) {
      accPlot.add(valAcc, r.step, r.valAccuracy);
      noisePlot.add(noiseSeries, r.step, r.noiseScale);
      state.valAccuracy = r.valAccuracy;
    }
    if (r.testAccuracy !== undefined) {
      accPlot.add(testAcc, r.step, r.testAccuracy);
      state.testAccuracy = r.testAccuracy;
    }
    Object.assign(state, {
      step: r.step,
      loss: r.loss,
      batchAccuracy: r.batchAccuracy,
      eta0: r.eta0 ?? NaN,
      eta: r.eta ?? NaN,
      examplesPerSec: r.examplesPerSec,
    });
  }
  render();
}

// --- the training worker --------------------------------------------------------------------------
const loaded = new WeakMap<Worker, Promise<void>>();
function newWorker(): Worker {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  loaded.set(
    worker,
    new Promise((resolve) =>
      worker.addEventListener('message', (e: MessageEvent<FromWorker>) => {
        if (e.data.type === 'loaded') resolve();
      }),
    ),
  );
  return worker;
}
const trainer = newWorker();
/** Posts once the worker has loaded; messages keep their order. */
const send = (worker: Worker, message: ToWorker) =>
  void loaded.get(worker)!.then(() => worker.postMessage(message));

function reportError(message: string): void {
  state.error = message;
  state.errors.push(message);
  render();
}

/** Set while automation waits for a checkpoint's text (window.thermograd.checkpoint()). */
let checkpointWanted: ((text: string) => void) | null = null;

trainer.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'ready':
      Object.assign(state, {
        ready: true,
        backend: m.backend,
        backendNote: m.backendNote,
        model: `${m.model} (${m.parameters} parameters), ${m.trainExamples} training images`,
        totalSteps: m.totalSteps,
      });
      $('backend-note').textContent = m.backendNote;
      render();
      if (params.get('autostart') === '1' && state.step === 0) send(trainer, { type: 'start' });
      return;
    case 'steps':
      onSteps(m.records);
      return;
    case 'running':
      state.running = m.running;
      state.done = m.done;
      render();
      return;
    case 'prediction':
      state.prediction = m.probabilities;
      showPrediction(m.probabilities);
      return;
    case 'checkpoint': {
      if (checkpointWanted) {
        // Automation asked for the file's text instead of a download.
        checkpointWanted(new TextDecoder().decode(m.bytes));
        checkpointWanted = null;
        return;
      }
      const url = URL.createObjectURL(
        new Blob([m.bytes as BlobPart], { type: 'application/json' }),
      );
      const a = Object.assign(document.createElement('a'), { href: url, download: m.name });
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return;
    }
    case 'error':
      reportError(m.message);
      return;
    default:
      return;
  }
};
trainer.onerror = (e) => reportError(`worker: ${e.message}`);

function reset(): void {
  Object.assign(state, {
    step: 0,
    loss: NaN,
    valAccuracy: NaN,
    testAccuracy: NaN,
    ready: false,
    done: false,
    error: '',
  });
  state.firstLosses = [];
  recent = [];
  for (const plot of [lossPlot, accPlot, etaPlot, noisePlot]) plot.clear();
  $('status').textContent = 'preparing…';
  let config: TrainConfig;
  try {
    config = configFromControls();
  } catch (e) {
    return reportError((e as Error).message);
  }
  const backend = $<HTMLSelectElement>('backend').value as BackendChoice;
  send(trainer, { type: 'init', run: { config, backend, maxSteps } });
}

$('start').onclick = () => send(trainer, { type: 'start' });
$('pause').onclick = () => send(trainer, { type: 'pause' });
$('step').onclick = () => send(trainer, { type: 'step' });
$('reset').onclick = reset;
$('download').onclick = () => send(trainer, { type: 'checkpoint' });
$('eta0').oninput = () => {
  eta0 = Number((10 ** Number($('eta0').value)).toPrecision(3));
  showEta0();
  send(trainer, { type: 'temperature', value: eta0Value() });
};

// --- digit pad -------------------------------------------------------------------------------------
const sketch = new Sketch($<HTMLCanvasElement>('sketch'), () =>
  send(trainer, { type: 'predict', pixels: sketch.pixels() }),
);
$('sketch-clear').onclick = () => {
  sketch.clear();
  state.prediction = null;
  $('probabilities').textContent = '';
};
function showPrediction(p: number[]): void {
  const best = p.indexOf(Math.max(...p));
  $('probabilities').innerHTML = p
    .map(
      (v, d) =>
        `<div>${d === best ? '<b>' : ''}${d}${d === best ? '</b>' : ''} <span class="bar" style="width:${Math.round(v * 150)}px"></span> ${(100 * v).toFixed(1)} %</div>`,
    )
    .join('');
}

// --- temperature invariance (its own worker, so that it runs beside the main training) ------------
const PAIRS: InvariancePair[] = [
  { batch: 16, mu: 0 },
  { batch: 64, mu: 0 },
  { batch: 16, mu: 0.75 },
  { batch: 64, mu: 0.75 },
];
const PAIR_COLORS = ['#c33', '#36c', '#2a2', '#a6a'];
/** Cool enough that plain SGD at B = 64 (η = 0.064) is stable on the small problem. */
const INVARIANCE_ETA0 = 0.001;
let invarianceWorker: Worker | null = null;
function runInvariance(): void {
  invarianceWorker?.terminate();
  invariancePlot.removeAll();
  state.invariance = [];
  const worker = newWorker();
  invarianceWorker = worker;
  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const m = event.data;
    if (m.type === 'error') return reportError(`invariance: ${m.message}`);
    if (m.type !== 'invariance') return;
    const k = PAIRS.findIndex((p) => p.batch === m.pair.batch && p.mu === m.pair.mu);
    const label =
      m.phase === 'eta0' ? `B${m.pair.batch} μ${m.pair.mu}` : `η ${m.eta.toPrecision(2)}`;
    const s = invariancePlot.addSeries({
      name: m.phase === 'eta0' ? label : '',
      color: PAIR_COLORS[k],
      dashed: m.phase === 'eta',
    });
    for (const p of m.points) invariancePlot.add(s, p.epoch, p.loss);
    // The last epoch's mean loss: one number per curve for automation.
    const last = m.points.slice(-Math.ceil(m.points.length / 3));
    const final = last.reduce((a, p) => a + p.loss, 0) / last.length;
    state.invariance.push({ phase: m.phase, pair: m.pair, eta: m.eta, final });
  };
  const backend = $<HTMLSelectElement>('backend').value as BackendChoice;
  send(worker, { type: 'invariance', backend, eta0: INVARIANCE_ETA0, pairs: PAIRS });
}
$('invariance').onclick = runInvariance;

// --- speed ----------------------------------------------------------------------------------------
async function measure(backends: string[], seconds = 3): Promise<typeof state.bench> {
  for (const backend of backends) {
    // A fresh worker per measurement: each library gets the page to itself.
    const worker = newWorker();
    const result = await new Promise<FromWorker>((resolve) => {
      worker.onmessage = (e: MessageEvent<FromWorker>) => {
        if (e.data.type !== 'loaded') resolve(e.data);
      };
      worker.onerror = (e) => resolve({ type: 'error', message: e.message });
      send(worker, { type: 'bench', backend: backend as never, seconds });
    });
    worker.terminate();
    if (result.type === 'bench')
      state.bench[backend] = { examplesPerSec: result.examplesPerSec, note: result.note };
    else if (result.type === 'error')
      state.bench[backend] = { examplesPerSec: NaN, note: result.message };
    const base = state.bench.wasm?.examplesPerSec;
    $('bench-results').textContent = Object.entries(state.bench)
      .map(
        ([name, r]) =>
          `${name.padEnd(10)} ${Number.isFinite(r.examplesPerSec) ? Math.round(r.examplesPerSec) : '–'} ex/s` +
          (base && Number.isFinite(r.examplesPerSec)
            ? `  ×${(r.examplesPerSec / base).toFixed(2)} of wasm`
            : `  ${r.note}`),
      )
      .join('\n');
  }
  return state.bench;
}
$('bench').onclick = () => void measure(['wasm', 'webgl2', 'webgl', 'tfjs-wasm', 'tfjs-webgl']);

// --- automation -----------------------------------------------------------------------------------
declare global {
  interface Window {
    thermograd: unknown;
  }
}
window.thermograd = {
  status: () => ({ ...state, plottedEta0: etaPlot.values(eta0Series) }),
  setTemperature(value: number) {
    $('eta0').value = String(Math.log10(value));
    $('eta0').dispatchEvent(new Event('input'));
  },
  draw: (points: [number, number][]) => sketch.stroke(points),
  checkpoint: () =>
    new Promise<string>((resolve) => {
      checkpointWanted = resolve;
      send(trainer, { type: 'checkpoint' });
    }),
  measure,
  runInvariance,
};

addEventListener('error', (e) => reportError(e.message));
reset();
