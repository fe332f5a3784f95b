// Softmax regression on 1,000 MNIST images with thermograd, installed from its packed tarballs.
import { nn, Generator, crossEntropy, tensor, noGrad, getBackend } from '@thermograd/autograd';
import '@thermograd/backend-wasm';
import { Optimizer } from '@thermograd/optim';
import { loadMnist, Batcher } from '@thermograd/data';

if (getBackend().name !== 'fast') throw new Error(`backend ${getBackend().name}, not fast`);

const { train } = loadMnist({ trainLimit: 1000, testLimit: 1 });
const model = new nn.Linear(784, 10, { rng: new Generator(0) });
const opt = Optimizer.byName(model, 'momentum', { eta0: 0.01, batchSize: 100, mu: 0.9 });
const all = tensor(train.images, [train.n, 784]);
const fullLoss = (): number => noGrad(() => crossEntropy(model.forward(all), train.labels).item());

const before = fullLoss();
const batches = new Batcher(train, { batchSize: 100, seed: 1 });
for (let epoch = 0; epoch < 3; epoch++) {
  for (const batch of batches.epochBatches()) {
    opt.zeroGrad();
    crossEntropy(model.forward(tensor(batch.images, [batch.size, 784])), batch.labels).backward();
    opt.step();
  }
}
const after = fullLoss();
console.log(`training loss ${before.toFixed(4)} -> ${after.toFixed(4)}`);
if (!(after < 0.7 * before)) throw new Error('the loss did not go down');
