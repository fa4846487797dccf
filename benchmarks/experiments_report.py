"""Merge the results.json of several `rnnkit experiment` runs (e.g. cells run in parallel processes) into
one Markdown table, as docs/RESULTS.md shows them.

    python benchmarks/experiments_report.py runs/adding-200-a runs/adding-200-b
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from rnnkit.tasks.experiments import SOLVED_MSE, first_solved, format_metric


def _lr(doc: dict, cell: str) -> str:
    settings = doc.get("settings", {})
    lr = settings.get("cell_settings", {}).get(cell, {}).get("lr", settings.get("lr"))
    return "" if lr is None else f"{lr:g}"


def main(dirs: list[str]) -> int:
    missing = [d for d in dirs if not (Path(d) / "results.json").is_file()]
    if missing:
        print(f"{missing[0]}: no results.json (expected the --out of an rnnkit experiment)", file=sys.stderr)
        return 2
    docs = [json.loads((Path(d) / "results.json").read_text()) for d in dirs]
    names = {d["experiment"] for d in docs}
    if len(names) != 1:
        print(f"results of different experiments: {sorted(names)}", file=sys.stderr)
        return 2
    name = names.pop()
    metric = docs[0]["metric"]
    solved = name in SOLVED_MSE
    head = f"| cell | lr | hidden | params | test {metric} | seeds | steps | seconds | stopped |"
    print(head + (f" first < {SOLVED_MSE[name]} |" if solved else ""))
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |" + (" --- |" if solved else ""))
    for doc in docs:
        for cell, r in doc["results"].items():
            runs = r["runs"]
            spread = format_metric(r["std"], metric)
            std = "" if len(runs) < 2 or spread == "nan" else f" ± {spread}"
            row = (f"| {cell} | {_lr(doc, cell)} | {r['hidden']} | {r['parameters']} | "
                   f"{format_metric(r['mean'], metric)}{std} | "
                   f"{len(runs)} | {statistics.fmean(x['steps'] for x in runs):.0f} | "
                   f"{r['seconds']:.0f} | {'; '.join(sorted({x['stopped'] for x in runs}))} |")
            if solved:
                hits = [first_solved(x, name) for x in runs]
                when = [f"{h['seconds']:.0f}s (step {h['step']})" if h else "never" for h in hits]
                row += " " + ", ".join(when) + " |"
            print(row)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+", help="the --out directories of rnnkit experiment runs")
    sys.exit(main(parser.parse_args().dirs))
