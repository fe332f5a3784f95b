/**
 * Progress while training: a live bar on a terminal (cli-progress), one plain line per epoch
 * otherwise (logs, CI), nothing when quiet.
 */
import cliProgress from 'cli-progress';

export interface ProgressFields {
  epoch: number;
  epochs: number;
  step: number;
  totalSteps: number;
  loss: number;
  accuracy: number;
  examplesPerSec: number;
  eta0: number;
}

export interface Progress {
  update(f: ProgressFields): void;
  epochEnd(f: ProgressFields & { testAccuracy: number }): void;
  stop(): void;
}

const fmt = (f: ProgressFields) =>
  `epoch ${f.epoch}/${f.epochs} step ${f.step}/${f.totalSteps} loss ${f.loss.toFixed(4)} acc ${(100 * f.accuracy).toFixed(2)}% ` +
  `${Math.round(f.examplesPerSec)} ex/s η0 ${f.eta0.toExponential(2)}`;

export function createProgress(
  mode: 'tty' | 'lines' | 'none',
  write: (line: string) => void,
): Progress {
  if (mode === 'none') return { update() {}, epochEnd() {}, stop() {} };
  if (mode === 'lines') {
    return {
      update() {},
      epochEnd: (f) => write(`${fmt(f)} test ${(100 * f.testAccuracy).toFixed(2)}%`),
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format:
        '[{bar}] {percentage}% | epoch {epoch}/{epochs} | step {value}/{total} | loss {loss} | acc {acc} | {rate} ex/s | η0 {eta0}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const payload = (f: ProgressFields) => ({
    epoch: f.epoch,
    epochs: f.epochs,
    loss: f.loss.toFixed(4),
    acc: `${(100 * f.accuracy).toFixed(2)}%`,
    rate: Math.round(f.examplesPerSec),
    eta0: f.eta0.toExponential(2),
  });
  return {
    update(f) {
      if (!started) {
        bar.start(f.totalSteps, f.step, payload(f));
        started = true;
      }
      bar.update(f.step, payload(f));
    },
    epochEnd(f) {
      if (started) bar.update(f.step, payload(f));
      bar.stop();
      started = false;
      write(`${fmt(f)} test ${(100 * f.testAccuracy).toFixed(2)}%`);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
