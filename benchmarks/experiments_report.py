"""Merge the results.json of several `rnnkit experiment` runs (e.g. cells or seeds run in parallel
processes) into one Markdown table, as docs/RESULTS.md shows them: one row per cell and configuration, the
seeds of one configuration pooled (mean ± std over all of them, and each seed's metric).

    python benchmarks/experiments_report.py runs/adding-200-a runs/adding-200-b
    python benchmarks/experiments_report.py runs/pm-lstm-s0 runs/pm-lstm-s1 runs/pm-lstm-s2   # --first-seed 0, 1, 2
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

from rnnkit.tasks._experiment_results import baseline_line, cell_lr, metric_label, not_run_line
from rnnkit.tasks.experiments import SOLVED_MSE, first_solved, format_metric

#: settings that say which runs a directory holds, not how they were trained: runs that differ only in
#: these are seeds of one configuration, pooled into one row
POOLED = ("cells", "cell_settings", "seeds", "first_seed", "threads")


def _configuration(doc: dict, cell: str) -> str:
    """What a cell's runs in ``doc`` were trained with, seeds and threads aside (a JSON text, comparable)."""
    settings = {k: v for k, v in doc.get("settings", {}).items() if k not in POOLED}
    own = doc.get("settings", {}).get("cell_settings", {}).get(cell)
    if own is not None:  # what the cell trained with (a --lr flag and a config's [cell.NAME] lr alike)
        settings = {k: v for k, v in settings.items() if k not in own} | {"cell": own}
    return json.dumps(settings, sort_keys=True)


def _metric(run: dict) -> float:
    value = run.get("metric")
    return float(value) if isinstance(value, int | float) else float("nan")  # results.json: a NaN is null


class Refused(Exception):
    """One line for the user: a directory that is not an experiment's, or results that cannot be merged."""


#: what a results.json edited by hand raises where a value is not of the kind rnnkit experiment writes
DAMAGED = (TypeError, KeyError, AttributeError, IndexError, ValueError, statistics.StatisticsError)


def main(dirs: list[str]) -> int:
    """Print the merged table of ``dirs``; else 2, with one line on stderr naming the directory (no results.json,
    one that is not JSON or holds values rnnkit experiment does not write) and no half-printed table."""
    try:
        lines = _table(dirs)
    except Refused as exc:
        print(exc, file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def _read(d: str) -> dict:
    path = Path(d) / "results.json"
    if not path.is_file():
        raise Refused(f"{d}: no results.json (expected the --out of an rnnkit experiment)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:  # not JSON, or not UTF-8
        raise Refused(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), dict):
        raise Refused(f"{path}: expected the JSON object rnnkit experiment writes, with its \"results\"")
    return doc


def _damaged(where: str, exc: Exception) -> Refused:
    return Refused(f"{where}: a results.json holds values rnnkit experiment does not write ({type(exc).__name__}: "
                   f"{exc}); was it edited?")


def _table(dirs: list[str]) -> list[str]:
    docs = [_read(d) for d in dirs]
    names = {str(d.get("experiment")) for d in docs}
    if len(names) != 1:
        raise Refused(f"results of different experiments: {sorted(names)}")
    name = names.pop()
    metric = docs[0].get("metric")
    # one row per cell and configuration: the seeds of one configuration run in several processes (one
    # --first-seed each) are pooled, so the row's mean ± std is over all of them, as with --seeds N
    rows: dict[tuple[str, str], dict] = {}
    for d, doc in zip(dirs, docs, strict=True):
        try:
            for cell, r in doc["results"].items():
                row = rows.setdefault((cell, _configuration(doc, cell)), {"doc": doc, "dir": d, "r": r, "runs": {}})
                for run in r["runs"]:
                    if run["seed"] in row["runs"]:
                        raise Refused(f"{d}: {cell} seed {run['seed']} is also in {row['runs'][run['seed']][0]} "
                                      "with the same settings; give each seed once")
                    row["runs"][run["seed"]] = (d, run)
        except DAMAGED as exc:
            raise _damaged(d, exc) from None
    solved = name in SOLVED_MSE
    # the seeds' numbers, then the means over them ("seeds | 0" read as no seed, "steps" as the steps of all runs)
    label = metric_label({"experiment": name, "metric": metric})  # "waveform mse": the waveform has no test set
    head = (f"| cell | lr | hidden | params | {label} (mean ± std) | per seed | seed numbers | steps / run | "
            "seconds / run | stopped |")
    lines = [head + (f" first < {SOLVED_MSE[name]} |" if solved else ""),
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |" + (" --- |" if solved else "")]
    for (cell, _), row in rows.items():
        try:
            lines.append(_line(cell, row, name, metric, solved))
        except DAMAGED as exc:
            raise _damaged(", ".join(sorted({d for d, _ in row["runs"].values()})) or row["dir"], exc) from None
    return lines + _notes(dirs, docs, {cell for cell, _ in rows}) + _differing(list(rows))


def _differing(keys: list[tuple[str, str]]) -> list[str]:
    """A line naming the settings the rows were not all run with (the budget, the length ...), each value with its
    rows' cells: two rows of a cell, or two cells at 15 and 45 minutes, looked like one comparison. A cell's own
    settings (lr, hidden ...) count between the rows of that cell only: cells differ in them by design."""
    configs = [(cell, json.loads(conf)) for cell, conf in keys]
    differ = []
    for name in sorted({k for _, c in configs for k in c if k != "cell"}):
        differ.append(_values(name, [(cell, c.get(name)) for cell, c in configs]))
    for cell in dict.fromkeys(cell for cell, _ in configs):
        own = [c.get("cell") or {} for name, c in configs if name == cell]
        for name in sorted({k for c in own for k in c}):
            shown = {json.dumps(c.get(name)): None for c in own}
            differ.append(f"{cell}'s {name} {', '.join(shown)}" if len(shown) > 1 else "")
    differ = [d for d in differ if d]
    return ["", "Not all run alike: " + "; ".join(differ) + "."] if differ else []


def _values(name: str, values: list[tuple[str, object]]) -> str:
    """``name 15 (lstm, irnn), 45 (lstm)`` where the rows hold more than one value of ``name``; else ""."""
    cells: dict[str, list[str]] = {}
    for cell, value in values:
        cells.setdefault(json.dumps(value), []).append(cell)
    if len(cells) < 2:
        return ""
    return f"{name} " + ", ".join(f"{value} ({', '.join(names)})" for value, names in cells.items())


def _notes(dirs: list[str], docs: list[dict], shown: set[str]) -> list[str]:
    """The lines below the table: the cells an interrupted experiment did not run and no other directory holds
    (the table left them out without a word), and the trivial baseline the metrics compare with."""
    missing: dict[str, list[str]] = {}
    for d, doc in zip(dirs, docs, strict=True):
        for cell in doc.get("cells_not_run") or []:
            if cell not in shown:
                missing.setdefault(str(cell), []).append(d)
    notes = [not_run_line(f"{cell}, in {', '.join(where)}") for cell, where in missing.items()]
    try:
        notes += [baseline_line(docs[0])]
    except DAMAGED as exc:
        raise _damaged(dirs[0], exc) from None
    return [line for note in notes if note for line in ("", note)]


def _line(cell: str, row: dict, name: str, metric: str, solved: bool) -> str:
    runs = [run for _, (_, run) in sorted(row["runs"].items())]
    values = [_metric(x) for x in runs]
    finite = all(math.isfinite(v) for v in values)
    mean = statistics.fmean(values) if finite else float("nan")
    std = f" ± {format_metric(statistics.stdev(values), metric)}" if finite and len(values) > 1 else ""
    r = row["r"]
    line = (f"| {cell} | {cell_lr(row['doc'], cell)} | {r['hidden']} | {r['parameters']} | "
            f"{format_metric(mean, metric)}{std} | {' / '.join(format_metric(v, metric) for v in values)} | "
            f"{' / '.join(str(x['seed']) for x in runs)} | {statistics.fmean(x['steps'] for x in runs):.0f} | "
            f"{statistics.fmean(x['seconds'] for x in runs):.0f} | "
            f"{'; '.join(sorted({x['stopped'] for x in runs}))} |")
    if solved:
        hits = [first_solved(x, name) for x in runs]
        when = [f"{h['seconds']:.0f}s (step {h['step']})" if h else "never" for h in hits]
        line += " " + ", ".join(when) + " |"
    return line


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+", help="the --out directories of rnnkit experiment runs")
    sys.exit(main(parser.parse_args().dirs))
