"""What ``rnnkit experiment`` writes: the ``--json`` summary, results.md and, with them, results.json and
curves.png.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import Any

from rnnkit import strictjson
from rnnkit.files import written
from rnnkit.wording import counted


def summary(doc: dict[str, Any]) -> dict[str, Any]:
    """The one JSON object ``--json`` prints."""
    return {
        "experiment": doc["experiment"],
        "metric": doc["metric"],
        "results": {c: {"mean": r["mean"], "std": r["std"], "seconds": round(r["seconds"], 2)}
                    for c, r in doc["results"].items()},
    }


def metric_label(doc: dict[str, Any]) -> str:
    """What an experiment's metric measures, as its tables and axes name it: "test mse", "test accuracy"; the
    clockwork waveform's "waveform mse" (a model fits its one waveform: there is no held-out test, and "test mse"
    read as one)."""
    from rnnkit.tasks._experiment_problems import EXPERIMENTS

    exp = EXPERIMENTS.get(doc.get("experiment", ""))
    problem = exp.problem if exp is not None else None
    return f"{problem.measured_on if problem is not None else 'test'} {doc['metric']}"


def format_metric(v: float | None, metric: str) -> str:
    """A metric as results.md shows it: accuracy in percent, MSE in 4 significant digits, "nan" (for None
    too: results.json writes a diverged run's NaN as null)."""
    if v is None or not math.isfinite(v):
        return "nan"
    return f"{100 * v:.1f}%" if metric == "accuracy" else f"{v:.4g}"


def mean_and_spread(r: dict[str, Any], metric: str) -> str:
    """A cell's mean test metric as results.md and the report page show it, "± std" after it where there was more
    than one seed (one seed has no spread to show: "± 0" read as seeds that agreed)."""
    mean = format_metric(r["mean"], metric)
    return mean + (f" ± {format_metric(r['std'], metric)}" if len(r["runs"]) > 1 else "")


def steps_per_run(r: dict[str, Any]) -> float:
    """The mean number of updates of a cell's runs (seeds): what a budget of minutes bought each."""
    return statistics.fmean(x["steps"] for x in r["runs"])


SOLVED_MSE = {"adding": 0.01}
"""An experiment "solved" by a run once its test metric passes this (Le et al.: adding MSE < 0.01)."""


def first_solved(run: dict[str, Any], experiment: str) -> dict[str, float] | None:
    """The first curve point of a run whose test MSE is below the experiment's "solved" line, if any."""
    limit = SOLVED_MSE.get(experiment)
    if limit is None:
        return None
    for p in run["curve"]:
        if math.isfinite(p["metric"]) and p["metric"] < limit:
            return p
    return None


def markdown(doc: dict[str, Any]) -> str:
    """results.md: one row per cell, mean ± std over seeds."""
    m = doc["metric"]
    st = doc["settings"]
    name = doc["experiment"]
    solved_col = name in SOLVED_MSE
    lines = [
        f"# {name}",
        "",
        doc["description"] + ".",
        "",
        f"Budget per run: {st['minutes']:g} min" + (f" or {counted(st['steps'], 'step')}" if st["steps"] is not None
                                                   else "")
        + f"; seeds: {seed_numbers(st)}; torch threads: {doc['torch_threads']}"
        + (f"; device: {doc['device']}." if doc.get("device", "cpu") != "cpu" else "."),
        "",
        f"| cell | lr | hidden | parameters | {metric_label(doc)} (mean ± std) | seconds / run | steps / run | "
        "stopped | "
        + (f"solved (MSE < {SOLVED_MSE.get(name)}) | " if solved_col else "") + "published |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | " + ("--- | " if solved_col else "") + "--- |",
    ]
    for cell, r in doc["results"].items():
        stops = sorted({x["stopped"] for x in r["runs"]})
        solved = ""
        if solved_col:
            hits = [first_solved(x, name) for x in r["runs"]]
            times = [f"{h['seconds']:.0f}s" for h in hits if h is not None]
            solved = f"{len(times)}/{len(hits)}" + (f" (at {', '.join(times)})" if times else "") + " | "
        lines.append(
            f"| {cell} | {cell_lr(doc, cell)} | {r['hidden']} | {r['parameters']} | {mean_and_spread(r, m)} | "
            f"{r['seconds']:.0f} | {steps_per_run(r):.0f} | {'; '.join(stops)} | {solved}"
            f"{doc['published'].get(cell, '')} |"
        )
    if precision_note(doc):
        lines += ["", precision_note(doc)]
    params = st.get("params")
    over = [f"{cell} ({r['parameters']})" for cell, r in doc["results"].items() if params and r["parameters"] > params]
    if over:  # hidden_for_params keeps a cell's smallest size (a clockwork: a unit a module) however small params is
        lines += ["", f"Over the budget of {params} parameters even at their smallest size: {', '.join(over)}."]
    if doc.get("cells_not_run"):
        lines += ["", not_run_line(", ".join(doc["cells_not_run"]))]
    if doc["baseline"] is not None:
        lines += ["", baseline_line(doc)]
        idle = _no_better(doc)
        if idle:  # a table of cells that learned nothing read as a ranking of them
            lines += ["", f"No better than the trivial baseline, so nothing learned in this budget: {', '.join(idle)}."]
    if "note" in doc["published"]:
        lines += ["", f"Published: {doc['published']['note']}."]
    return "\n".join(lines) + "\n"


def cell_lr(doc: dict[str, Any], cell: str) -> str:
    """The learning rate ``cell`` trained with (its ``[cell.NAME]`` lr, the experiment's, or ``--lr``), as the tables
    show it; "" where a results.json written by hand has none."""
    settings = doc.get("settings", {})
    lr = settings.get("cell_settings", {}).get(cell, {}).get("lr", settings.get("lr"))
    return "" if lr is None else f"{lr:g}"


def seed_numbers(settings: dict[str, Any]) -> str:
    """How many seeds each cell ran and which, as results.md says them: ``2 (2, 3)`` for ``--first-seed 2 --seeds 2``
    (``seeds: 1`` was all a run of seed 2 said, which read as seed 1)."""
    first, n = settings.get("first_seed", 0), settings["seeds"]
    numbers = ", ".join(str(first + i) for i in range(n)) if n <= 5 else f"{first} to {first + n - 1}"
    return f"{n} ({numbers})"


def not_run_line(cells: str) -> str:
    """The sentence naming the cells a stopped experiment did not finish (``cells``: their names, and where a merge
    of directories has them), as results.md, the report page and ``benchmarks/experiments_report.py`` put it below
    their tables: the cell at work when it was stopped is one, begun but not run to the end."""
    return f"Not run to the end (the experiment was stopped): {cells}."


def baseline_line(doc: dict[str, Any]) -> str:
    """The sentence giving the experiment's trivial baseline (the adding problem's MSE 1/6 of answering 1, chance on
    the digits), as results.md and ``benchmarks/experiments_report.py`` put it below their tables; "" where there is
    none."""
    if doc.get("baseline") is None:
        return ""
    return f"Trivial baseline ({doc['baseline_label']}): {format_metric(doc['baseline'], doc['metric'])}."


def precision_note(doc: dict[str, Any]) -> str:
    """The sentence naming the cells trained under bf16 autocast (results.json records each run's precision;
    ``precision = "auto"`` gives the LSTM bf16 on some CPUs only); "" where every run was fp32."""
    bf16 = [cell for cell, r in doc["results"].items() if any(x.get("precision") == "bf16" for x in r["runs"])]
    if not bf16:
        return ""
    rest = " (the other cells in fp32)" if len(bf16) < len(doc["results"]) else ""
    return f"Under bf16 autocast{rest}: {', '.join(bf16)}."


def _no_better(doc: dict[str, Any]) -> list[str]:
    """The cells whose mean test metric is at the trivial baseline or on its wrong side (a diverged cell's NaN is
    shown as such, not counted here)."""
    base = doc["baseline"]
    cells = []
    for cell, r in doc["results"].items():
        mean = r["mean"]
        if isinstance(mean, int | float) and math.isfinite(mean):
            if (mean <= base) if doc["higher_is_better"] else (mean >= base):
                cells.append(cell)
    return cells


#: what ``rnnkit experiment`` writes in ``--out`` (results.json first, after each cell)
RESULT_FILES = ("results.json", "results.md", "curves.png")


def write_outputs(doc: dict[str, Any], out: Path) -> None:
    """results.json, results.md and curves.png in ``out`` (created)."""
    out.mkdir(parents=True, exist_ok=True)
    with written(out / "results.json") as tmp:
        tmp.write_text(strictjson.dumps(doc, indent=1) + "\n")  # a diverged run's NaN as null
    (out / "results.md").write_text(markdown(doc))
    from rnnkit.plots import experiment_curves

    experiment_curves(doc, out / "curves.png", solved=SOLVED_MSE.get(doc["experiment"]))
