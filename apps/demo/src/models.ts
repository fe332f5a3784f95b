/**
 * The demo's models: an MLP (the default) and a LeNet-style CNN, both built from thermograd's nn
 * layers with a seeded generator, so the same seed gives the same initial weights.
 */
import { nn, type Generator, type Module, type Tensor } from '@thermograd/autograd';

export type ModelKind = 'mlp' | 'cnn';

export interface ModelOptions {
  kind: ModelKind;
  /** MLP hidden layer widths, e.g. [256] or [256, 256]. */
  hidden: number[];
  /** CNN convolution channels (two 5×5 conv layers), e.g. [16, 32]. */
  channels: number[];
  /** CNN width of the fully connected layer after the convolutions. */
  fc: number;
  rows: number;
  cols: number;
  classes: number;
}

/** A model plus how to shape a flat [B, rows·cols] image batch for it. */
export interface DemoModel {
  module: Module;
  /** Logits [B, classes] from flat images [B, rows·cols]. */
  forward(images: Tensor): Tensor;
  describe: string;
  /**
   * Elements of the largest tensor one example makes in a training step (a conv layer's im2col
   * patches, usually): a batch of B makes tensors of B times this. Chunk sizes are chosen from it
   * on backends with a tensor-size limit (Backend.maxElements).
   */
  elementsPerExample: number;
}

export function buildModel(options: ModelOptions, rng: Generator): DemoModel {
  const inputs = options.rows * options.cols;
  if (options.kind === 'mlp') {
    const layers: Module[] = [];
    let width = inputs;
    for (const h of options.hidden) {
      layers.push(new nn.Linear(width, h, { rng }), new nn.ReLU());
      width = h;
    }
    layers.push(new nn.Linear(width, options.classes, { rng }));
    const module = new nn.Sequential(...layers);
    return {
      module,
      forward: (images) => module.forward(images),
      describe: `mlp ${[inputs, ...options.hidden, options.classes].join('-')}`,
      elementsPerExample: Math.max(inputs, ...options.hidden, options.classes),
    };
  }
  // LeNet-style: conv5×5 (pad 2) → ReLU → max-pool 2 → conv5×5 → ReLU → max-pool 2 → FC → ReLU → FC.
  const [c1, c2] = options.channels;
  const afterConv1 = [options.rows / 2, options.cols / 2].map(Math.floor);
  const afterConv2 = afterConv1.map((d) => Math.floor((d - 4) / 2));
  if (afterConv2.some((d) => d < 1))
    throw new Error(
      `cnn: images of ${options.rows}×${options.cols} are too small for two 5×5 conv + pool stages`,
    );
  const flat = c2 * afterConv2[0] * afterConv2[1];
  const module = new nn.Sequential(
    new nn.Conv2d(1, c1, 5, { padding: 2, rng }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(c1, c2, 5, { rng }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(flat, options.fc, { rng }),
    new nn.ReLU(),
    new nn.Linear(options.fc, options.classes, { rng }),
  );
  return {
    module,
    forward: (images) =>
      module.forward(images.reshape([images.shape[0], 1, options.rows, options.cols])),
    describe: `cnn conv5x5(${c1})-pool-conv5x5(${c2})-pool-fc${options.fc}-${options.classes}`,
    // Each conv's im2col patches (in·25 per output pixel) and its output (out per pixel).
    elementsPerExample: Math.max(
      options.rows * options.cols * Math.max(25, c1),
      (afterConv1[0] - 4) * (afterConv1[1] - 4) * Math.max(25 * c1, c2),
      flat,
      options.fc,
    ),
  };
}
