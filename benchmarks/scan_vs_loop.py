"""Time per step of minGRU and minLSTM by both scans and by their own step loop, and of torch.nn.LSTM,
against sequence length and hidden size: where a scan overtakes the loop (not a test).

Forward+backward of one layer (batch 32, input 64, float32), the sum of the outputs as the loss. The
scans are ``Recurrent(cell, scan="parallel")`` (Heinsen's log-space scan: cumsum and logcumsumexp) and
``scan="sequential"`` (the hand-written one, what ``"auto"`` takes on the CPU); the loop is
``Recurrent(cell, impl="reference")``, the cell's ``step`` once per time step through autograd;
torch.nn.LSTM is the fused kernel of the same hidden size. Every point is the median
of ``--rounds`` interleaved rounds (all variants in turn), divided by the number of steps. Writes
``--out`` (a PNG of both sweeps, for docs/PERFORMANCE.md) and prints a Markdown table of both.

    python benchmarks/scan_vs_loop.py --out docs/scan_vs_loop.png [--threads 2] [--rounds 5]
    python benchmarks/scan_vs_loop.py --out /tmp/s.png --lengths 8,16 --hiddens 8,16 --rounds 1   # smoke
    python benchmarks/scan_vs_loop.py --out docs/scan_vs_loop_cuda.png --device cuda   # on a GPU
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path
from typing import Any

import torch
from torch import nn

from rnnkit import Recurrent
from rnnkit.plots import sweep_png
from rnnkit.tasks.bench import forward_backward, interleaved

BATCH, INPUT = 32, 64
CELLS = ("mingru", "minlstm")


def variants(hidden: int) -> dict[str, nn.Module]:
    """The layers compared at one hidden size, by label."""
    torch.manual_seed(0)
    layers: dict[str, nn.Module] = {}
    for cell in CELLS:
        layers[f"{cell} parallel scan"] = Recurrent(cell, INPUT, hidden, scan="parallel")
        layers[f"{cell} sequential scan"] = Recurrent(cell, INPUT, hidden, scan="sequential")
        layers[f"{cell} step loop"] = Recurrent(cell, INPUT, hidden, impl="reference")
    layers["torch.nn.LSTM"] = nn.LSTM(INPUT, hidden)
    return layers


def seconds_per_step(hidden: int, length: int, rounds: int, device: str = "cpu") -> dict[str, float]:
    x = torch.randn(length, BATCH, INPUT, device=device)
    fns = {k: forward_backward(m.to(device), x) for k, m in variants(hidden).items()}
    medians = interleaved(fns, rounds, torch.cuda.synchronize if device == "cuda" else lambda: None)
    return {k: v / length for k, v in medians.items()}


def sweep(name: str, values: list[int], fixed: dict[str, int], rounds: int, device: str) -> dict[str, Any]:
    series: dict[str, list[float]] = {}
    for v in values:
        sizes = {**fixed, name: v}
        point = seconds_per_step(sizes["hidden"], sizes["length"], rounds, device)
        print(f"{name} {v}: " + ", ".join(f"{k} {s * 1e6:.1f} µs" for k, s in point.items()), flush=True)
        for k, s in point.items():
            series.setdefault(k, []).append(s)
    note = ", ".join(f"{k} {v}" for k, v in fixed.items())
    return {"values": values, "series": series, "note": note}


def markdown(sweeps: dict[str, dict[str, Any]]) -> str:
    lines = []
    for name, s in sweeps.items():
        labels = list(s["series"])
        lines += ["", f"µs per step, forward+backward, against {name} ({s['note']}, batch {BATCH}, input {INPUT})", "",
                  f"| {name} | " + " | ".join(labels) + " |", "| ---: |" + " ---: |" * len(labels)]
        for i, v in enumerate(s["values"]):
            lines.append(f"| {v} | " + " | ".join(f"{s['series'][k][i] * 1e6:,.1f}" for k in labels) + " |")
    return "\n".join(lines)


def ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="PNG to write (a .json of the numbers beside it)")
    ap.add_argument("--lengths", type=ints, default=[25, 50, 100, 200, 400, 800, 1600],
                    help="comma-separated sequence lengths of the length sweep")
    ap.add_argument("--hiddens", type=ints, default=[32, 64, 128, 256, 512, 1024],
                    help="comma-separated hidden sizes of the hidden-size sweep")
    ap.add_argument("--length", type=int, default=200, help="the sequence length of the hidden-size sweep")
    ap.add_argument("--hidden", type=int, default=256, help="the hidden size of the length sweep")
    ap.add_argument("--rounds", type=int, default=5,
                    help="interleaved rounds; the median is reported (default %(default)s)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default %(default)s)")
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="where to time (default %(default)s)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    sweeps = {"length": sweep("length", args.lengths, {"hidden": args.hidden}, args.rounds, args.device),
              "hidden": sweep("hidden", args.hiddens, {"length": args.length}, args.rounds, args.device)}
    where = torch.cuda.get_device_name() if args.device == "cuda" else f"{args.threads} threads, {platform.machine()}"
    title = f"forward+backward time per step, batch {BATCH}, input {INPUT}, {where}, torch {torch.__version__}"
    sweep_png(sweeps, args.out, "seconds per step", title)
    args.out.with_suffix(".json").write_text(json.dumps({"title": title, "sweeps": sweeps}, indent=1) + "\n")
    print(markdown(sweeps))
    print(f"\nwrote {args.out} and {args.out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
