"""PyTorch (CPU) peer of the thermograd bench, driven by apps/bench/src/torch-peer.ts.

`python torch_peer.py THREADS` runs everything on THREADS threads: OpenMP's and OpenBLAS's pools
are sized through their environment variables before torch loads (OpenBLAS's pthread pool ignores
torch.set_num_threads), so one process is one thread count.

Reads one JSON request per line on stdin and answers each with one JSON line on stdout:
- {"cmd": "setup", "kind": "mlp" | "cnn", "sizes": [...], "lr": ..., "batches": [{"x", "labels"}],
  "weights": [{"w", "b"}, ...]}: the same model, data and initial weights as the bench's other
  implementations (float32 arrays as base64 of their little-endian bytes, thermograd's layouts:
  linear [out, in], conv [out, in, kh, kw], NCHW images), trained with plain SGD on softmax
  cross-entropy (mean), the loss read back every step;
- {"cmd": "losses", "steps": n}: runs n steps, answers their losses (the bench compares them with
  its own first steps);
- {"cmd": "measure", "seconds": s, "min_steps": k}: steps per second;
- {"cmd": "matmul", "n": n, "trans_a": bool, "trans_b": bool, "seconds": s}: GFLOP/s of a square
  float32 product (the result is made contiguous, like the bench's own).
"""

import base64
import json
import os
import sys
import time

THREADS = int(sys.argv[1])
os.environ["OMP_NUM_THREADS"] = str(THREADS)
os.environ["OPENBLAS_NUM_THREADS"] = str(THREADS)

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(THREADS)


def floats(b64):
    return torch.from_numpy(np.frombuffer(base64.b64decode(b64), dtype="<f4").copy())


class Model:
    def __init__(self, req):
        self.kind = req["kind"]
        self.lr = req["lr"]
        self.batches = []
        for d in req["batches"]:
            labels = torch.tensor(d["labels"], dtype=torch.int64)
            x = floats(d["x"]).reshape(len(labels), -1)
            if self.kind == "cnn":
                x = x.reshape(len(labels), 1, 28, 28)
            self.batches.append((x, labels))
        self.params = []
        self.layers = []
        for layer in req["weights"]:
            w = floats(layer["w"]).reshape(layer["shape"]).requires_grad_()
            b = floats(layer["b"]).requires_grad_()
            self.layers.append((w, b, layer.get("pad", 0)))
            self.params += [w, b]
        self.opt = torch.optim.SGD(self.params, lr=self.lr)
        self.i = 0

    def logits(self, x):
        h = x
        if self.kind == "cnn":
            for w, b, pad in self.layers[:2]:
                h = F.max_pool2d(F.relu(F.conv2d(h, w, b, padding=pad)), 2)
            h = h.flatten(1)
            dense = self.layers[2:]
        else:
            dense = self.layers
        for j, (w, b, _) in enumerate(dense):
            h = F.linear(h, w, b)
            if j + 1 < len(dense):
                h = F.relu(h)
        return h

    def step(self):
        x, labels = self.batches[self.i % len(self.batches)]
        self.i += 1
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.logits(x), labels)
        loss.backward()
        self.opt.step()
        return loss.item()


def timed(fn, seconds, min_steps):
    steps = 0
    start = time.perf_counter()
    elapsed = 0.0
    while steps < min_steps or elapsed < seconds:
        fn()
        steps += 1
        elapsed = time.perf_counter() - start
    return steps / elapsed


def matmul_gflops(req):
    n = req["n"]
    g = torch.Generator().manual_seed(1)
    a = torch.rand(n, n, generator=g) * 2 - 1
    b = torch.rand(n, n, generator=g) * 2 - 1
    op_a = a.t() if req["trans_a"] else a
    op_b = b.t() if req["trans_b"] else b
    run = lambda: torch.matmul(op_a, op_b).contiguous()
    run()
    return 2 * n**3 * timed(run, req["seconds"], 2) / 1e9


def main():
    model = None
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req["cmd"]
        if cmd == "setup":
            model = Model(req)
            out = {"ok": True, "torch": torch.__version__, "threads": torch.get_num_threads()}
        elif cmd == "losses":
            out = {"losses": [model.step() for _ in range(req["steps"])]}
        elif cmd == "measure":
            out = {"steps_per_second": timed(model.step, req["seconds"], req["min_steps"])}
        elif cmd == "matmul":
            out = {"gflops": matmul_gflops(req)}
        else:
            raise ValueError(f"torch_peer: unknown command {cmd!r}")
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
