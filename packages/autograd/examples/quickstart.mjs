// Fit y = 3x − 1 by gradient descent with thermograd's autograd.
import { Generator, randn, tensor, zeros, matmul, noGrad } from '@thermograd/autograd';

const rng = new Generator(0); // every random draw comes from an explicit seed
const x = randn([64, 1], { rng });
const y = x.mul(3).sub(1);

const w = zeros([1, 1], { requiresGrad: true });
const b = zeros([1], { requiresGrad: true });

for (let step = 0; step < 200; step++) {
  const loss = matmul(x, w).add(b).sub(y).square().mean(); // mean over the batch
  w.zeroGrad();
  b.zeroGrad();
  loss.backward();
  noGrad(() => {
    w.assign(w.sub(w.grad.mul(0.1)));
    b.assign(b.sub(b.grad.mul(0.1)));
  });
}
console.log(`w = ${w.item().toFixed(4)}, b = ${b.item().toFixed(4)}`); // w = 3.0000, b = -1.0000
export const fitted = { w: w.item(), b: b.item(), check: tensor([1, 2]).sum().item() };
