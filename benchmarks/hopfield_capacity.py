"""The capacity of a Hopfield network (not a test): how well networks of N units keep P = load · N random
patterns, against the published figures. For each size and load, ``--probes`` stored patterns are each
recalled asynchronously from themselves (:func:`rnnkit.hopfield.retrieval`); the table gives the mean overlap
m of the state reached with the pattern, the share of probes kept within 5 % of their bits (m ≥ 0.9), and
the share kept exactly.

    python benchmarks/hopfield_capacity.py [--sizes 250,1000,4000] [--loads 0.02-0.3/0.02] [--probes 20] \\
        [--seed 0] [--plot docs/img/hopfield_capacity.png]

What theory says, for large N: retrieval states exist up to a load of 0.138, where m is about 0.967, and
vanish beyond it (Amit, Gutfreund & Sompolinsky 1985); every pattern is kept exactly, with high probability,
up to P = N / (4 ln N) (McEliece et al. 1987), which the table marks.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from rnnkit.hopfield import retrieval  # noqa: E402
from rnnkit.plots import figure  # noqa: E402

#: the load at which retrieval states vanish for large N (Amit et al. 1985)
CRITICAL_LOAD = 0.138


def loads_from(text: str) -> list[float]:
    """``0.02-0.3/0.02`` (from, to, step) or ``0.05,0.1,0.14``."""
    if "-" in text:
        span, step = text.split("/")
        low, high = (float(x) for x in span.split("-"))
        return [round(low + k * float(step), 6) for k in range(int(round((high - low) / float(step))) + 1)]
    return [float(x) for x in text.split(",")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="250,1000,4000", help="network sizes N, comma-separated")
    ap.add_argument("--loads", default="0.02-0.3/0.02", help="P / N: from-to/step, or comma-separated")
    ap.add_argument("--probes", type=int, default=20, help="stored patterns recalled per size and load")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random patterns (default %(default)s)")
    ap.add_argument("--plot", type=Path, help="also draw the mean overlap against the load (PNG)")
    args = ap.parse_args()
    sizes, loads = [int(x) for x in args.sizes.split(",")], loads_from(args.loads)
    curves: dict[int, list[float]] = {}
    print("| N | load P/N | P | mean overlap m | m ≥ 0.9 | exact |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in sizes:
        exact_limit = n / (4 * math.log(n))
        curves[n] = []
        for load in loads:
            m = retrieval(n, load, args.probes, max_steps=1000, generator=torch.Generator().manual_seed(args.seed))
            curves[n].append(float(m.mean()))
            p = max(1, round(load * n))
            mark = " (≤ N / 4 ln N)" if p <= exact_limit else ""
            print(f"| {n} | {load:.2f} | {p}{mark} | {m.mean():.3f} | {float((m >= 0.9).double().mean()):.0%} "
                  f"| {float((m == 1).double().mean()):.0%} |", flush=True)
    if args.plot:
        with figure(args.plot) as (fig, ax):
            for n, curve in curves.items():
                ax.plot(loads, curve, marker="o", label=f"N = {n}")
            ax.axvline(CRITICAL_LOAD, color="grey", linestyle="--", label="0.138 (Amit et al. 1985)")
            ax.set_xlabel("load P / N (random patterns per unit)")
            ax.set_ylabel(f"mean overlap after recall ({args.probes} patterns)")
            ax.set_title("Hopfield network: recall from a stored pattern")
            ax.legend()
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
