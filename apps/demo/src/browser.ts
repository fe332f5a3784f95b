/**
 * The demo's modules that run in a browser as well as in Node (no file system, no processes): the
 * run configuration and its plugin, the models, pixel standardisation, accuracy counting and the
 * checkpoint format. The playground (apps/playground) trains with exactly these, so that a run in a
 * page takes the same steps as the CLI and its checkpoint resumes there.
 */
export {
  DEFAULTS,
  DEFAULT_ETA0,
  DEFAULT_LANGEVIN_T,
  SCHEDULES,
  buildPlugin,
  buildSchedule,
  validateConfig,
  type ScheduleName,
  type TrainConfig,
} from './config.js';
export { buildModel, type DemoModel, type ModelKind, type ModelOptions } from './models.js';
export { standardize, pixelStatistics, type PixelStatistics } from './standardize.js';
export { countCorrect, accuracy } from './evaluate.js';
export { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, checkpointHeader } from './checkpoint-format.js';
export type { CheckpointBody, MetricRecord, MetricWindow } from './train.js';
