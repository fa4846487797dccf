"""The figures of docs/REPORT.md for a trained character LM: the units that best track quotes, brackets,
line position, upper case and newlines (Pearson r), and the gate saturation summary, as Markdown.

    python benchmarks/report_units.py runs/shakespeare --chars 20000
    python benchmarks/report_units.py runs/shakespeare --text my.txt --top 3

The text is the run's validation split (from a line start), or ``--text FILE``; the activations come
from the cell's reference step (rnnkit.report.units.trace), as on the report page.
"""

from __future__ import annotations

import argparse
import sys

import rnnkit
from rnnkit.report.charlm import STATE_LABELS, report_text, saturation_summary
from rnnkit.report.units import top_units, trace


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run", help="a charlm run directory")
    p.add_argument("--text", help="a UTF-8 text (default: the run's validation split)")
    p.add_argument("--chars", type=int, default=20000, help="characters of the text to read (default 20000)")
    p.add_argument("--top", type=int, default=3, help="units shown per feature (default 3)")
    args = p.parse_args(argv)
    lm = rnnkit.load(args.run)
    text, source = report_text(lm, args.text, args.chars)
    tr = trace(lm.model, lm.vocab.encode_tensor(text, warn=False))
    m = lm.model
    print(f"{args.run}: {m.cell} {m.num_layers}x{m.hidden_size}, {len(text):,} characters of {source}\n")
    print("| feature | state | best units (layer.unit, Pearson r) |")
    print("| --- | --- | --- |")
    for kind, states in tr.states.items():
        for feature, units in top_units(states, text, k=args.top).items():
            shown = ", ".join(f"{u['layer'] + 1}.{u['unit']} ({u['r']:+.2f})" for u in units) or "none"
            print(f"| {feature} | {STATE_LABELS.get(kind, kind)} | {shown} |")
    if tr.gates:
        print("\n| gate | layer | mean left-saturated (< 0.1) | mean right-saturated (> 0.9) | "
              "units left-saturated > 50 % | units right-saturated > 50 % |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for row in saturation_summary(tr):
            print("| " + " | ".join(str(v) for v in row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
