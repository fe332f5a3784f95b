/* global window */
// End-to-end test of the playground in headless Chromium (Debian's package, installed by
// scripts/ensure-chromium.sh when missing; puppeteer-core downloads no browser). It builds the
// page, serves it with the preview server (COOP/COEP: cross-origin isolated), and checks:
// the page loads without console errors; 200 steps on the WebAssembly backend reach > 90 %
// validation accuracy on the quick setting, and gpu.js WebGL2 and WebGL train (40 and 20 steps by
// default, 200 reaching > 90 % on request) with their first 20 losses following the WebAssembly
// backend's; the first losses equal
// the CLI's at the same seed and backend; moving the η0 slider mid-run shows in the η0 plot; a
// drawn digit gets a prediction; the temperature-invariance view overlays at one η0 and not at
// one η; every case of the conformance table matches the reference on gpu.js WebGL2 and WebGL
// (conformance.html); and it prints examples/s of the bench's config b for thermograd and
// TensorFlow.js in the page. A screenshot goes to docs/images/playground.png. Exit status 1 on
// any failed check.
//
// WebGL comes from SwiftShader, Chromium's software renderer (no GPU needed): correctness, not
// speed. PLAYGROUND_E2E_REQUIRE_WEBGL=0 turns a browser without WebGL into a reported gap
// instead of a failure (for a browser built without SwiftShader).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { build, preview } from 'vite';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(app, '..', '..');
const STEPS = 200;
const REQUIRE_WEBGL = process.env.PLAYGROUND_E2E_REQUIRE_WEBGL !== '0';
// Steps per gpu.js mode. In software GL (SwiftShader) a quick-setting step of gpu.js takes over a
// second on a shared 2-core machine, even with tensors kept on the GPU (the playground README
// says why), so 200 steps take about four minutes: a plain run trains 40 on WebGL2 and 20 on WebGL1
// (the same GLSL but for the version, passing the same conformance table), and each mode's full
// 200, with the > 90 % validation check, on request (PLAYGROUND_E2E_GPU_STEPS=200, or per mode
// PLAYGROUND_E2E_WEBGL2_STEPS / PLAYGROUND_E2E_WEBGL1_STEPS). .ci/run asks for WebGL2's 200.
const gpuSteps = (mode, fallback) =>
  Number(
    process.env[`PLAYGROUND_E2E_${mode}_STEPS`] ?? process.env.PLAYGROUND_E2E_GPU_STEPS ?? fallback,
  );
const GPU_STEPS = { webgl2: gpuSteps('WEBGL2', 40), webgl: gpuSteps('WEBGL1', 20) };
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

const chromium = execFileSync(join(root, 'scripts', 'ensure-chromium.sh'), {
  encoding: 'utf8',
}).trim();
execFileSync('node', [join(app, 'scripts', 'prepare-data.mjs')], { stdio: 'inherit' });
await build({ root: app, logLevel: 'warn' });
const server = await preview({
  root: app,
  preview: { port: 0, host: '127.0.0.1' },
  logLevel: 'warn',
});
const base = server.resolvedUrls.local[0];
console.log(`e2e: serving ${base}`);

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  // No sandbox: CI containers run as root. ANGLE on SwiftShader: WebGL and WebGL2 in software,
  // in headless mode too; without --enable-unsafe-swiftshader, Chromium refuses that fallback.
  args: [
    '--no-sandbox',
    '--disable-dev-shm-usage',
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader',
  ],
});

async function openPage(query) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1340, height: 1000 });
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}?${query}`, { waitUntil: 'load' });
  return { page, errors };
}

const status = (page) => page.evaluate(() => window.thermograd.status());

async function waitFor(page, predicate, what, timeoutMs) {
  const start = Date.now();
  for (;;) {
    const s = await status(page);
    if (s.errors.length) throw new Error(`${what}: the page reported ${s.errors.join('; ')}`);
    if (predicate(s)) return s;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: timed out at step ${s.step}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The CLI's first metric record at the quick setting (same seed, fast backend) with --log-every
 * `every`: the mean loss of its first `every` steps, from metrics.jsonl.
 */
function cliFirstRecordLoss(every) {
  const out = mkdtempSync(join(tmpdir(), 'playground-e2e-'));
  try {
    execFileSync(
      'node',
      [
        join(root, 'apps/demo/dist/cli.js'),
        '--limit',
        '15000',
        '--validation',
        '5000',
        '--batch',
        '64',
        '--hidden',
        '256',
        '--epochs',
        '2',
        '--seed',
        '1',
        '--log-every',
        String(every),
        '--eval-size',
        '1000',
        '--max-steps',
        String(every),
        '--out',
        join(out, 'run'),
      ],
      { stdio: 'ignore' },
    );
    return JSON.parse(
      readFileSync(join(out, 'run', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')[0],
    ).loss;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function trainRun(backend, { slider, steps = STEPS }) {
  const t0 = Date.now();
  const { page, errors } = await openPage(`quick=1&backend=${backend}&steps=${steps}&autostart=1`);
  await waitFor(page, (s) => s.ready, `${backend}: ready`, 120_000);
  if (slider) {
    await waitFor(page, (s) => s.step >= STEPS / 2, `${backend}: half way`, 600_000);
    // Cool to half: the η0 plot must show a drop by that factor between two steps (the cosine
    // schedule moves η0 by under 1 % a step), and the run still learns.
    await page.evaluate(() => window.thermograd.setTemperature(0.002));
  }
  const s = await waitFor(page, (s) => s.done && !s.running, `${backend}: ${steps} steps`, 900_000);
  const seconds = (Date.now() - t0) / 1000;
  console.log(
    `e2e: ${backend}: ${s.step} steps in ${seconds.toFixed(1)} s (${s.backendNote}); loss ${s.loss.toFixed(4)}, validation ${(100 * s.valAccuracy).toFixed(2)} %`,
  );
  check(
    errors.length === 0,
    `${backend}: no console errors${errors.length ? ` (${errors.join('; ')})` : ''}`,
  );
  check(s.step === steps, `${backend}: trained ${steps} steps`);
  // > 90 % is for the full run; a shorter one reports its accuracy.
  if (steps === STEPS)
    check(
      s.valAccuracy > 0.9,
      `${backend}: validation accuracy ${(100 * s.valAccuracy).toFixed(2)} % > 90 %`,
    );
  if (slider) {
    const eta0 = s.plottedEta0;
    const ratios = eta0.slice(1).map((v, i) => v / eta0[i]);
    const drop = Math.min(...ratios);
    const at = ratios.indexOf(drop) + 2;
    check(
      drop > 0.48 && drop < 0.5 && ratios.filter((r) => r < 0.98).length === 1,
      `${backend}: the η0 slider shows in the η0 plot (η0 × ${drop.toFixed(3)} at step ${at}, once)`,
    );
  }
  return { page, status: s };
}

let exitCode = 0;
try {
  // 1. WebAssembly: training, slider, first losses vs the CLI, the digit pad, invariance, screenshot.
  const wasm = await trainRun('wasm', { slider: true });
  execFileSync(
    'npx',
    [
      '-y',
      'pnpm@12.4.2',
      'exec',
      'turbo',
      'run',
      'build',
      '--filter=@thermograd/demo...',
      '--output-logs=errors-only',
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
  );
  const losses = wasm.status.firstLosses;
  const cliFirst = cliFirstRecordLoss(1);
  console.log(`e2e: loss of step 1: page ${losses[0]}, CLI ${cliFirst}`);
  check(losses[0] === cliFirst, "the first loss is the CLI's, bit for bit");
  let sum = 0;
  for (const l of losses) sum += l;
  const pageMean = sum / losses.length;
  const cli = cliFirstRecordLoss(20);
  const gap = Math.abs(pageMean - cli) / cli;
  console.log(`e2e: mean loss of steps 1-20: page ${pageMean}, CLI ${cli}`);
  check(
    losses.length === 20 && gap === 0,
    `the first 20 losses are the CLI's, bit for bit (their means differ by ${gap.toExponential(2)} relative)`,
  );

  // The page's checkpoint continues in the CLI: resume it there for 10 more steps.
  const text = await wasm.page.evaluate(() => window.thermograd.checkpoint());
  const dir = mkdtempSync(join(tmpdir(), 'playground-checkpoint-'));
  try {
    writeFileSync(join(dir, 'checkpoint.json'), text);
    execFileSync(
      'node',
      [
        join(root, 'apps/demo/dist/cli.js'),
        '--resume',
        join(dir, 'checkpoint.json'),
        '--max-steps',
        String(STEPS + 10),
        '--quiet',
        '--out',
        join(dir, 'run'),
      ],
      { stdio: 'pipe' },
    );
    const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8'));
    check(
      summary.steps === STEPS + 10,
      `the page's checkpoint resumes in the CLI (step ${STEPS} → ${summary.steps})`,
    );
  } catch (err) {
    check(false, `the page's checkpoint resumes in the CLI: ${err.stderr ?? err.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Draw a "7" on the pad: a top bar and a diagonal.
  await wasm.page.evaluate(() =>
    window.thermograd.draw([
      [50, 50],
      [100, 50],
      [170, 50],
      [140, 110],
      [110, 170],
      [95, 200],
    ]),
  );
  const drawn = await waitFor(wasm.page, (s) => s.prediction !== null, 'prediction', 30_000);
  const p = drawn.prediction;
  const digit = p.indexOf(Math.max(...p));
  check(
    p.length === 10 && Math.abs(p.reduce((a, b) => a + b) - 1) < 1e-4,
    `a drawn digit gets probabilities (predicted ${digit} at ${(100 * p[digit]).toFixed(1)} %)`,
  );

  await wasm.page.evaluate(() => window.thermograd.runInvariance());
  const inv = await waitFor(wasm.page, (s) => s.invariance.length === 8, 'invariance', 300_000);
  const spread = (phase) => {
    const finals = inv.invariance.filter((r) => r.phase === phase).map((r) => r.final);
    return Math.max(...finals) / Math.min(...finals);
  };
  console.log(
    `e2e: invariance: final losses at one η0 ${inv.invariance
      .slice(0, 4)
      .map((r) => r.final.toFixed(3))
      .join(' ')}; at one η ${inv.invariance
      .slice(4)
      .map((r) => r.final.toFixed(3))
      .join(' ')}`,
  );
  check(
    spread('eta0') < spread('eta'),
    `temperature invariance: the final losses spread less at one η0 (×${spread('eta0').toFixed(2)}) than at one η (×${spread('eta').toFixed(2)})`,
  );
  mkdirSync(join(root, 'docs', 'images'), { recursive: true });
  await wasm.page.screenshot({
    path: join(root, 'docs', 'images', 'playground.png'),
    fullPage: true,
  });
  console.log('e2e: screenshot docs/images/playground.png');

  // 2. gpu.js WebGL2 and WebGL: first the conformance table (every op against the reference),
  // then training. Where a mode is missing the page must say why; that is a failure unless
  // PLAYGROUND_E2E_REQUIRE_WEBGL=0.
  const gpuReady = [];
  const conformance = await openPage('');
  await conformance.page.goto(`${base}conformance.html`, { waitUntil: 'load' });
  await conformance.page.waitForFunction(() => window.thermogradConformance, {
    timeout: 300_000,
    polling: 500,
  });
  const table = await conformance.page.evaluate(() => window.thermogradConformance);
  await conformance.page.close();
  for (const r of table) {
    if (r.unavailable) {
      console.log(`e2e: conformance: gpu.js ${r.mode} UNAVAILABLE: ${r.unavailable}`);
      check(!REQUIRE_WEBGL, `${r.mode}: gpu.js ${r.mode} is available in this browser`);
      continue;
    }
    console.log(
      `e2e: conformance: gpu.js ${r.mode}: ${r.cases - r.failures.length}/${r.cases} cases match the reference (${r.seconds.toFixed(1)} s)`,
    );
    for (const f of r.failures) console.log(`e2e:   ${r.mode}: ${f}`);
    check(
      r.failures.length === 0 && r.cases > 100,
      `${r.mode}: every conformance case matches the reference`,
    );
    const p = r.pipeline ?? {
      textures: [],
      storage: [],
      maxElements: 0,
      failures: ['did not run'],
    };
    console.log(
      `e2e: pipeline: gpu.js ${r.mode}: GL textures alive after tidy steps ${p.textures.join(', ')}; storage ${p.storage.join(', ')}; at most ${p.maxElements} elements per output`,
    );
    for (const f of p.failures) console.log(`e2e:   ${r.mode} pipeline: ${f}`);
    check(
      p.failures.length === 0,
      `${r.mode}: textures stay on the GPU, unaliased, and tidy steps leave none behind`,
    );
  }
  check(
    conformance.errors.length === 0,
    `conformance page: no console errors${conformance.errors.length ? ` (${conformance.errors.join('; ')})` : ''}`,
  );
  for (const mode of Object.keys(GPU_STEPS)) {
    const probe = await openPage(`quick=1&backend=${mode}&steps=1`);
    const start = Date.now();
    let first = await status(probe.page);
    while (!first.ready && first.error === '' && Date.now() - start < 120_000) {
      await new Promise((r) => setTimeout(r, 250));
      first = await status(probe.page);
    }
    await probe.page.close();
    if (first.ready) {
      gpuReady.push(mode);
      const run = await trainRun(mode, { slider: false, steps: GPU_STEPS[mode] });
      await run.page.close();
      // Same seed, same batches, float32 both: the first 20 losses follow the WebAssembly
      // backend's (they drift apart by rounding only, far below 1e-3 in 20 steps).
      const gl = run.status.firstLosses;
      const worst = Math.max(...gl.map((l, i) => Math.abs(l - losses[i]) / losses[i]));
      check(
        gl.length === 20 && worst < 1e-3,
        `${mode}: the first 20 losses follow the WebAssembly backend's (within ${worst.toExponential(2)} relative)`,
      );
    } else {
      console.log(`e2e: gpu.js ${mode} UNAVAILABLE, as the page says: ${first.error}`);
      check(
        new RegExp(`^gpu\\.js ${mode} `).test(first.error),
        `${mode}: the page says why gpu.js ${mode} cannot train`,
      );
      check(!REQUIRE_WEBGL, `${mode}: gpu.js ${mode} trains in this browser`);
    }
  }

  // 3. Speed of the bench's config b in the page.
  const bench = await wasm.page.evaluate(() =>
    window.thermograd.measure(['wasm', 'webgl2', 'webgl', 'tfjs-wasm', 'tfjs-webgl'], 3),
  );
  const ref = bench.wasm.examplesPerSec;
  for (const [name, r] of Object.entries(bench))
    if (r.examplesPerSec > 0)
      console.log(
        `e2e: speed, config b: ${name.padEnd(10)} ${Math.round(r.examplesPerSec).toString().padStart(7)} examples/s  ${(r.examplesPerSec / ref).toPrecision(2)}× thermograd wasm  (${r.note})`,
      );
  const measured = ['wasm', ...gpuReady, 'tfjs-wasm', 'tfjs-webgl'];
  check(
    measured.every((b) => bench[b]?.examplesPerSec > 0),
    `measured a speed on ${measured.join(', ')}`,
  );
} catch (err) {
  check(false, err.message);
} finally {
  await browser.close();
  await server.close();
}
if (failures.length) exitCode = 1;
console.log(exitCode === 0 ? 'e2e: all checks passed' : `e2e: ${failures.length} check(s) failed`);
process.exit(exitCode);
