"""Forward+backward speed of every regulariser of ``Recurrent`` (issue 19), in tokens per second (not a test).

For each cell and option, three runs interleaved in one process (A, B, C, A, B, C, ...): the option on
rnnkit's fast path (``impl="auto"``: the fused kernel for weight_drop, the hand-written BPTT of rnnkit.bptt
with rnnkit.native's fused step for the in-loop options, the Clockwork RNN's own ``_ClockworkBPTT`` for its
zoneout), torch.nn.LSTM of the same hidden size, and a Python loop over the option's own reference step
(``impl="reference"``). All in training mode (the masks are drawn as in training). Tokens/s are the best
of the rounds; each ratio is the median over rounds of that round's ratio, so that the machine's speed
changing from round to round (a shared host) moves the ratio less than it moves the best times. The
targets: ≥ 0.7× torch.nn.LSTM and ≥ 3× the reference loop.

    python benchmarks/regularisers.py [--repeats 11] [--threads 2] [--markdown]
    python benchmarks/regularisers.py --batch 2 --length 5 --input 3 --hidden 8 --repeats 1   # a smoke run
"""

from __future__ import annotations

import argparse
import platform
import statistics
from typing import Any

import torch
from torch import nn

from rnnkit import Recurrent
from rnnkit.tasks.bench import forward_backward, interleaved

#: (cell, options) measured, in order; the first row is the plain LSTM for scale
CASES: list[tuple[str, dict[str, Any]]] = [
    ("lstm", {}),
    ("lstm", {"weight_drop": 0.5}),
    ("lstm", {"recurrent_dropout": 0.25}),
    ("lstm", {"zoneout": 0.1}),
    ("lstm", {"zoneout": (0.5, 0.05)}),
    ("lstm", {"layer_norm": True}),
    ("lstm", {"layer_norm": True, "recurrent_dropout": 0.25, "zoneout": 0.1}),
    ("gru", {"weight_drop": 0.5}),
    ("gru", {"zoneout": 0.1}),
    ("rnn_tanh", {"recurrent_dropout": 0.25}),
    ("rnn_tanh", {"zoneout": 0.1}),
    ("clockwork", {"zoneout": 0.1}),
]


def label(cell: str, options: dict[str, Any]) -> str:
    return f"{cell} " + (", ".join(f"{k}={v}" for k, v in options.items()) or "(no option)")


def measure(cell: str, options: dict[str, Any], x: torch.Tensor, hidden: int, repeats: int) -> dict[str, float]:
    """Tokens/s of the fast path, of torch.nn.LSTM and of the reference loop (all in training mode, best of
    the rounds), and the two ratios as the median over rounds of each round's ratio: the three runs of a
    round follow one another, so a change in the machine's speed between rounds leaves the ratio alone."""
    torch.manual_seed(0)
    fast = Recurrent(cell, x.shape[2], hidden, **options).train()
    ref = Recurrent(cell, x.shape[2], hidden, impl="reference", **options).train()
    ref.load_state_dict(fast.state_dict())
    lstm = nn.LSTM(x.shape[2], hidden).train()
    secs: dict[str, list[float]] = interleaved(  # type: ignore[assignment]
        {"fast": forward_backward(fast, x), "torch": forward_backward(lstm, x), "ref": forward_backward(ref, x)},
        repeats, summary=list)
    tokens = x.shape[0] * x.shape[1]
    result = {k: tokens / min(v) for k, v in secs.items()}
    result["vs_torch"] = statistics.median(t / f for f, t in zip(secs["fast"], secs["torch"], strict=True))
    result["vs_ref"] = statistics.median(r / f for f, r in zip(secs["fast"], secs["ref"], strict=True))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=32, help="sequences a batch (default %(default)s)")
    ap.add_argument("--length", type=int, default=200, help="time steps (default %(default)s)")
    ap.add_argument("--input", type=int, default=64, help="input features (default %(default)s)")
    ap.add_argument("--hidden", type=int, default=256, help="hidden units (default %(default)s)")
    ap.add_argument("--repeats", type=int, default=11,
                    help="interleaved rounds; the best is reported (default %(default)s)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default %(default)s)")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table for docs/PERFORMANCE.md")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.randn(args.length, args.batch, args.input)
    rows = []
    for cell, options in CASES:
        r = measure(cell, options, x, args.hidden, args.repeats)
        rows.append((label(cell, options), r))
        vs_torch, vs_ref = r["vs_torch"], r["vs_ref"]
        print(f"{label(cell, options):58s} {r['fast']:9,.0f} tok/s  torch.nn.LSTM {r['torch']:9,.0f}  "
              f"reference loop {r['ref']:9,.0f}  vs LSTM {vs_torch:5.2f}x {'ok' if vs_torch >= 0.7 else '--'}  "
              f"vs loop {vs_ref:5.2f}x {'ok' if vs_ref >= 3 else '--'}", flush=True)
    if args.markdown:
        print()
        print(f"B={args.batch}, T={args.length}, input={args.input}, hidden={args.hidden}, float32, training mode, "
              f"forward+backward, {args.threads} threads, torch {torch.__version__}, "
              f"{platform.processor() or platform.machine()}, tok/s best of {args.repeats} interleaved rounds, "
              f"ratios the median of the rounds' ratios")
        print()
        print("| cell and option | rnnkit tok/s | torch.nn.LSTM tok/s | reference loop tok/s | vs torch.nn.LSTM "
              "(≥ 0.7) | vs reference loop (≥ 3) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, r in rows:
            print(f"| {name} | {r['fast']:,.0f} | {r['torch']:,.0f} | {r['ref']:,.0f} | {r['vs_torch']:.2f} | "
                  f"{r['vs_ref']:.2f} |")


if __name__ == "__main__":
    main()
