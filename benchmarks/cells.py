"""Forward+backward speed of each recurrent cell, in tokens per second (not a test).

Shape as issue 3 asks: batch 32, 200 steps, input 64, hidden 256, one layer, float32. Each rnnkit cell is
timed against torch.nn's own module where one exists (same weights), and every cell against a plain
Python loop over torch.nn.LSTMCell (the naive baseline). Runs are interleaved (A, B, A, B, ...) so
that background load hits both sides alike; the best (shortest) of the repeats is reported, as timeit
advises: on a shared machine the minimum is the run least disturbed by others.

    python benchmarks/cells.py [--repeats 7] [--threads 2] [--markdown]
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

import torch
from torch import nn

from rnnkit import Recurrent
from rnnkit.cells import CELLS

B, T, I, H = 32, 200, 64, 256
# every cell of rnnkit.cells.CELLS (a new one is timed with no edit here), then the LSTM's plain step loop
# (impl="reference") for comparison
ROWS = [*CELLS, "lstm-reference"]


def fwd_bwd(module: nn.Module, x: torch.Tensor) -> Callable[[], None]:
    def run() -> None:
        out, _ = module(x)
        out.sum().backward()

    return run


def naive_lstmcell_loop(x: torch.Tensor) -> Callable[[], None]:
    cell = nn.LSTMCell(I, H)

    def run() -> None:
        h = torch.zeros(B, H)
        c = torch.zeros(B, H)
        outs = []
        for t in range(T):
            h, c = cell(x[t], (h, c))
            outs.append(h)
        torch.stack(outs).sum().backward()

    return run


def timed(fn: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def compare(fns: dict[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    """Best seconds per call of each function, interleaved, after one warm-up each."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            times[k].append(timed(fn))
    return {k: min(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7,
                    help="timings of each cell; the best is reported (default %(default)s)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default %(default)s)")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table for docs/PERFORMANCE.md")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.randn(T, B, I)
    tokens = B * T

    torch_modules = {
        "rnn_tanh": lambda: nn.RNN(I, H, nonlinearity="tanh"),
        "rnn_relu": lambda: nn.RNN(I, H, nonlinearity="relu"),
        "irnn": lambda: nn.RNN(I, H, nonlinearity="relu"),
        "lstm": lambda: nn.LSTM(I, H),
        "gru": lambda: nn.GRU(I, H),
    }
    rows = []
    naive = naive_lstmcell_loop(x)
    for cell in ROWS:
        if cell == "lstm-reference":
            ours = Recurrent("lstm", I, H, impl="reference")
            label = "lstm (reference loop)"
        else:
            ours = Recurrent(cell, I, H)
            label = cell
        fns = {"rnnkit": fwd_bwd(ours, x), "naive": naive}
        if cell in torch_modules:
            ref = torch_modules[cell]()
            ref.load_state_dict(ours.state_dict())
            fns["torch"] = fwd_bwd(ref, x)
        med = compare(fns, args.repeats)
        row = {
            "cell": label,
            "rnnkit": tokens / med["rnnkit"],
            "torch": tokens / med["torch"] if "torch" in med else None,
            "naive": tokens / med["naive"],
        }
        rows.append(row)
        vs_torch = f"{row['rnnkit'] / row['torch']:.3f}x" if row["torch"] else "-"
        torch_rate = f"{row['torch']:10,.0f}" if row["torch"] else f"{'-':>10s}"   # no torch.nn counterpart
        print(
            f"{label:24s} rnnkit {row['rnnkit']:10,.0f} tok/s   torch.nn {torch_rate} tok/s   "
            f"vs torch.nn {vs_torch:>7s}   "
            f"vs LSTMCell loop {row['rnnkit'] / row['naive']:.2f}x",
            flush=True,
        )
    if args.markdown:
        print()
        print(f"B={B}, T={T}, input={I}, hidden={H}, float32, forward+backward, {args.threads} threads, "
              f"torch {torch.__version__}, {platform.processor() or platform.machine()}, best of {args.repeats}")
        print()
        print("| cell | rnnkit tok/s | torch.nn tok/s | rnnkit / torch.nn | rnnkit / LSTMCell loop |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for r in rows:
            t = f"{r['torch']:,.0f}" if r["torch"] else "n/a"
            ratio = f"{r['rnnkit'] / r['torch']:.3f}" if r["torch"] else "n/a"
            print(f"| {r['cell']} | {r['rnnkit']:,.0f} | {t} | {ratio} | {r['rnnkit'] / r['naive']:.2f} |")


if __name__ == "__main__":
    main()
