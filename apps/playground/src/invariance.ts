/**
 * The temperature-invariance view: several (B, μ) pairs trained on one small problem, first all
 * at one temperature η0 (so each takes the step η = (1−μ)·B·η0), then all at one raw step η. At a
 * fixed η0 their losses against epochs overlap; at a fixed η they do not (docs/theory.md: batch
 * size and momentum invariance). The runs are the playground's own sessions, with a 784-32-10 MLP
 * on 2,000 training images and a constant schedule.
 */
import { DEFAULTS, type TrainConfig } from '@thermograd/demo/browser';
import type { FromWorker, InvariancePair } from './protocol.js';
import { Session, type PreparedData } from './session.js';

const SMALL: Partial<TrainConfig> = {
  model: 'mlp',
  hidden: [32],
  optimizer: 'momentum',
  schedule: 'constant',
  epochs: 3,
  limit: 3000,
  validation: 1000,
  noise: false,
  logEvery: 1_000_000,
};
/** Losses are averaged over stretches of this many examples, the same for every B. */
const STRETCH = 256;

export async function runInvariance(
  request: { eta0: number; pairs: InvariancePair[] },
  post: (message: FromWorker) => void,
  dataFor: (limit: number | undefined, validation: number) => Promise<PreparedData>,
): Promise<void> {
  const data = await dataFor(SMALL.limit, SMALL.validation!);
  const first = request.pairs[0];
  const sharedEta = (1 - first.mu) * first.batch * request.eta0;
  for (const phase of ['eta0', 'eta'] as const) {
    for (const pair of request.pairs) {
      const config: TrainConfig = {
        ...DEFAULTS,
        ...SMALL,
        batch: pair.batch,
        mu: pair.mu,
        eta0: phase === 'eta0' ? request.eta0 : undefined,
        lr: phase === 'eta' ? sharedEta : undefined,
      };
      const session = new Session(config, data);
      const points: { epoch: number; loss: number }[] = [];
      let sum = 0;
      let seen = 0;
      let eta = NaN;
      while (!session.done) {
        const record = session.trainStep();
        eta = record.eta ?? eta;
        sum += record.loss * pair.batch;
        seen += pair.batch;
        if (seen >= STRETCH) {
          points.push({
            epoch: (session.step * pair.batch) / data.train.n,
            loss: sum / seen,
          });
          sum = 0;
          seen = 0;
        }
      }
      post({ type: 'invariance', phase, pair, points, eta });
      // Yield so that the page draws each curve as it arrives.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
}
