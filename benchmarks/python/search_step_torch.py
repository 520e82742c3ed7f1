"""One DMS search step of the default `dms search` supernet in PyTorch, for SearchStepBenchmark's comparison.

The same network as io.dl4jdms.search.Supernets at width multiplier 1.5 (28x28x1 input, 10 classes, batch 64):
a stride-2 stem (conv 3x3, BN, ReLU), three stages of basic blocks (widths 18, 36, 72; two blocks each; a stage
after the first opens with a stride-2 transition block with a 1x1 projection shortcut), global average pooling and
a dense softmax output. As in the search, every stage's stream has one shared width mask, every block's first
convolution its own width mask (after its BN and ReLU), every stage's removable blocks one depth mask; the masks are
the differentiable top-k sigmoid(slope * (rank(c) - a)); after backward the importances take the EMA step of the
Taylor score (m * dL/dm)^2 and the FLOPs resource loss log(r / r_target) (hinge) is part of the loss; Adam.

Run: /usr/bin/python3 benchmarks/python/search_step_torch.py [--reps 20] [--warmup 5] [--threads 2] [--serve]
Prints the median step time in ms (and p10, p90).
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class TopK(nn.Module):
    """One top-k operator: ratio a (learned) and importance c (EMA of Taylor scores)."""

    def __init__(self, n, depth=False):
        super().__init__()
        self.n = n
        self.a = nn.Parameter(torch.zeros(()))
        self.register_buffer("c", torch.arange(n, dtype=torch.float32) / n)  # distinct, so the mask is soft
        self.slope = (8.0 if n == 1 else 4.0 * n) if depth else float(n)
        self.last = None

    def forward(self):
        rank = (self.c.unsqueeze(0) <= self.c.unsqueeze(1)).float().sum(1) / self.n
        m = torch.sigmoid(self.slope * (rank - self.a))
        m.retain_grad()
        self.last = m
        return m

    @torch.no_grad()
    def update_importance(self, decay=0.99):
        g = self.last.grad
        if g is not None and torch.isfinite(g).all():
            self.c.mul_(decay).add_((1 - decay) * (self.last * g) ** 2)


def conv_bn(cin, cout, k, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv_bn(cin, cout, 3, stride)
        self.mask1 = TopK(cout)
        self.conv2 = conv_bn(cout, cout, 3, 1)
        self.short = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def branch(self, x, stream):
        h = F.relu(self.conv1(x)) * self.mask1().view(1, -1, 1, 1)
        return self.conv2(h) * stream.view(1, -1, 1, 1)


class Supernet(nn.Module):
    def __init__(self, widths=(18, 36, 72), blocks=(2, 2, 2)):
        super().__init__()
        self.stem = conv_bn(1, widths[0], 3, 2)
        self.streams = nn.ModuleList([TopK(w) for w in widths])
        self.stages = nn.ModuleList()
        self.depths = nn.ModuleList()
        cin = widths[0]
        for s, (w, b) in enumerate(zip(widths, blocks)):
            stage = nn.ModuleList()
            for i in range(b):
                stride = 2 if (s > 0 and i == 0) else 1
                stage.append(Block(cin, w, stride))
                cin = w
            self.stages.append(stage)
            self.depths.append(TopK(b - (1 if s > 0 else 0), depth=True))
        self.fc = nn.Linear(widths[-1], 10)

    def forward(self, x):
        x = F.relu(self.stem(x)) * self.streams[0]().view(1, -1, 1, 1)
        for s, stage in enumerate(self.stages):
            stream = self.streams[s]()
            depth = self.depths[s]()
            first = 0
            if s > 0:
                blk = stage[0]
                x = F.relu(blk.short(x) * stream.view(1, -1, 1, 1) + blk.branch(x, stream))
                first = 1
            for i in range(first, len(stage)):
                x = F.relu(x + depth[i - first] * stage[i].branch(x, stream))
        return self.fc(x.mean((2, 3)))

    def operators(self):
        return [m for m in self.modules() if isinstance(m, TopK)]

    def flops_fraction(self):
        """Soft FLOPs of the convolutions under the masks over the full ones (the resource model's shape)."""
        ops = self.operators()
        return torch.stack([o.last.mean() for o in ops]).mean()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--serve", action="store_true",
                   help="answer each line read from stdin with the time of one step (SearchStepBenchmark --torch)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    net = Supernet()
    structure = [o.a for o in net.operators()]
    weights = [q for n, q in net.named_parameters() if not n.endswith(".a")]
    opt = torch.optim.Adam([{"params": weights, "lr": 3e-3}, {"params": structure, "lr": 0.01, "betas": (0.5, 0.999)}])
    x = torch.rand(args.batch, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch,))

    def step():
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        out = net(x)
        loss = F.cross_entropy(out, y)
        r = net.flops_fraction()
        loss = loss + 5.0 * torch.clamp(torch.log(r / 0.5), min=0)
        loss.backward()
        for o in net.operators():
            o.update_importance()
        opt.step()
        with torch.no_grad():
            for o in net.operators():
                o.a.clamp_(0.0, 1.0 - 1.0 / (2 * o.n))
        return (time.perf_counter() - t0) * 1e3

    if args.serve:
        import sys
        print(f"ready torch {torch.__version__} threads {torch.get_num_threads()}", flush=True)
        for _ in sys.stdin:
            print(f"{step():.3f}", flush=True)
        return
    for _ in range(args.warmup):
        step()
    ms = sorted(step() for _ in range(args.reps))
    q = statistics.quantiles(ms, n=10)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, mkldnn {torch.backends.mkldnn.is_available()}")
    print(f"pytorch supernet step (ms): median {statistics.median(ms):.1f} p10 {q[0]:.1f} p90 {q[-1]:.1f}")


if __name__ == "__main__":
    main()
