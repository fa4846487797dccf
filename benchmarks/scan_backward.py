"""Forward+backward time of the parallel scan with its written-out backward (``scan.linear_scan``) against
the same forward differentiated by autograd through torch's ``logcumsumexp`` (``scan._log_scan``), taking
turns in one process; prints the median ratio new/old of the rounds.

    python benchmarks/scan_backward.py --threads 2 --rounds 6
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch

from rnnkit.scan import _log_scan, linear_scan

SHAPES = ((256, 16, 256), (784, 8, 128))


def seconds(fn: Callable[..., torch.Tensor], steps: int, batch: int, hidden: int, reps: int) -> float:
    """Mean seconds of one forward+backward of ``fn`` over random coefficients of this shape."""
    log_a = (-torch.rand(steps, batch, hidden) * 0.5).requires_grad_()
    log_b = torch.randn(steps, batch, hidden, requires_grad=True)
    h0 = torch.randn(batch, hidden, requires_grad=True)
    weight = torch.randn(steps, batch, hidden)
    start = time.perf_counter()
    for _ in range(reps):
        (fn(log_a, log_b, h0) * weight).sum().backward()
    return (time.perf_counter() - start) / reps


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2, help="torch threads (default %(default)s)")
    p.add_argument("--rounds", type=int, default=6, help="rounds of the two in turns (default %(default)s)")
    p.add_argument("--reps", type=int, default=5, help="forward+backward passes per measurement")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for steps, batch, hidden in SHAPES:
        ratios, old = [], 0.0
        for _ in range(args.rounds):
            old = seconds(_log_scan, steps, batch, hidden, args.reps)
            ratios.append(seconds(linear_scan, steps, batch, hidden, args.reps) / old)
        print(f"T={steps} B={batch} H={hidden}: new/old median {statistics.median(ratios):.3f} "
              f"(min {min(ratios):.3f}, max {max(ratios):.3f}); old {old * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
