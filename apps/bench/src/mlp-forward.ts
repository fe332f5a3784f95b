/**
 * The benchmark MLP's logits: linear layers with ReLU between them, parameters as
 * [W0, b0, W1, b1, …]. The thermograd implementations (every backend) share it.
 */
import { linear, relu, type Tensor } from '@thermograd/autograd';

export function mlpLogits(x: Tensor, params: readonly Tensor[]): Tensor {
  let h = x;
  for (let l = 0; l < params.length; l += 2) {
    h = linear(h, params[l], params[l + 1]);
    if (l + 2 < params.length) h = relu(h);
  }
  return h;
}
