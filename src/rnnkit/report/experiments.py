"""Report pages of ``rnnkit experiment`` and ``rnnkit diagnose`` directories.

What a user gets: for an experiment (``results.json``), the table of cells (mean ± std over seeds,
parameters, seconds, steps) and the test metric of every cell and seed against training time, interactive;
for ``diagnose`` (``diagnose.json``), the gradient norm through time of each cell at initialisation and
after training, the spectral radius of each cell's W_hh then (a table), the radius sweep and the runs with
and without clipping, on log axes, and its table; each under its own heading.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from rnnkit.errors import UserError
from rnnkit.plots import metric_axis_title
from rnnkit.report.page import Page, escape, figure_html, table

__all__ = ["diagnose_figures", "experiment_figure", "experiment_page"]

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def _read(path: Path, keys: tuple[str, ...]) -> dict[str, Any]:
    """The JSON object in ``path`` with every one of ``keys``; else one line naming what is wrong."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise UserError(f"{path}: expected a JSON object")
    missing = [k for k in keys if k not in doc]
    if missing:
        raise UserError(f"{path}: no {missing[0]!r}; expected the {path.name} that rnnkit "
                        f"{'experiment' if path.name == 'results.json' else 'diagnose'} writes")
    return doc


def experiment_figure(doc: dict[str, Any]) -> Any:
    """The test metric against training seconds: one colour per cell, one line per seed."""
    import plotly.graph_objects as go

    fig = go.Figure()
    percent = doc["metric"] == "accuracy"  # as results.md and the table below say it, and curves.png draws it
    hover = "step %{customdata}<br>%{y:" + (".1%" if percent else ".4g") + "}"
    for i, (cell, r) in enumerate(doc["results"].items()):
        for j, run in enumerate(r["runs"]):
            pts = [p for p in run["curve"] if isinstance(p.get("metric"), (int, float)) and math.isfinite(p["metric"])]
            fig.add_trace(go.Scatter(
                x=[p["seconds"] for p in pts], y=[p["metric"] for p in pts], mode="lines+markers",
                name=f"{cell} seed {run.get('seed', j)}", legendgroup=cell,
                line={"color": COLOURS[i % len(COLOURS)]}, marker={"size": 4},
                customdata=[p.get("step") for p in pts], hovertemplate=hover))
    if doc.get("baseline") is not None:
        fig.add_hline(y=doc["baseline"], line_dash="dash", line_color="grey",
                      annotation_text=str(doc.get("baseline_label", "baseline")))
    fig.update_layout(xaxis_title="training seconds", yaxis_title=metric_axis_title(doc), height=500,
                      yaxis_type="log" if doc["metric"] == "mse" else "linear", margin={"t": 30},
                      yaxis_tickformat=".0%" if percent else None)
    return fig


def _g(value: Any, spec: str) -> str:
    """A number of results.json as the page shows it; null (a diverged run's NaN) as "nan"."""
    return format(value, spec) if isinstance(value, int | float) else "nan"


def _steps(r: dict[str, Any]) -> str:
    """A cell's updates per run as the page shows them; "—" for a results.json without them (written by hand)."""
    from rnnkit.tasks._experiment_results import steps_per_run

    try:
        return f"{steps_per_run(r):,.0f}"
    except (KeyError, TypeError, ValueError):
        return "—"


def _experiment_sections(page: Page, doc: dict[str, Any]) -> None:
    """The table of cells in results.md's words (an accuracy in percent), the curves and the settings."""
    from rnnkit.tasks._experiment_results import (
        baseline_line,
        cell_lr,
        mean_and_spread,
        metric_label,
        not_run_line,
        precision_note,
    )

    rows = [(cell, mean_and_spread(r, doc["metric"]), f"{r['parameters']:,}", r["hidden"], cell_lr(doc, cell),
             f"{r['seconds']:.1f}", _steps(r), ", ".join(sorted({str(x.get("stopped")) for x in r["runs"]})))
            for cell, r in doc["results"].items()]
    not_run = doc.get("cells_not_run") or []
    stopped = f"<p>{escape(not_run_line(', '.join(not_run)))}</p>" if not_run else ""
    for note in (precision_note(doc), baseline_line(doc)):  # the baseline the metric compares with, as results.md
        stopped += f"<p>{escape(note)}</p>" if note else ""
    page.add("Results", f"<p>{escape(doc.get('description', ''))}</p>" + stopped,
             table(["cell", f"{metric_label(doc)} (mean ± std over seeds)", "parameters", "hidden", "lr",
                    "seconds per run", "steps per run", "how runs ended"], rows))
    page.add("Curves per cell and seed", figure_html(experiment_figure(doc), div_id="curves"))
    page.add("Settings", f"<pre>{escape(json.dumps(doc.get('settings', {}), indent=1))}</pre>")


def _log_lines(title: str, xlabel: str, ylabel: str, lines: list[tuple[str, list[float], dict[str, Any]]]) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, values, line in lines:
        pts = [(t + 1, v) for t, v in enumerate(values) if isinstance(v, (int, float)) and math.isfinite(v) and v > 0]
        fig.add_trace(go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="lines", name=name, line=line))
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel, yaxis_type="log", height=450,
                      margin={"t": 50})
    return fig


def diagnose_figures(doc: dict[str, Any]) -> list[Any]:
    """The figures of diagnose's PNGs (:func:`rnnkit.tasks.diagnose.figures`) as the page's: each cell's two lines in
    its colour, the line after training dashed."""
    from rnnkit.tasks.diagnose import figures

    def style(cell: int | None, after: bool) -> dict[str, str]:
        colour = {} if cell is None else {"color": COLOURS[cell % len(COLOURS)]}
        return {**colour, "dash": "dash"} if after else colour

    return [_log_lines(title, xlabel, ylabel, [(label, values, style(cell, after))
                                               for label, values, cell, after in lines])
            for _, title, xlabel, ylabel, lines in figures(doc)]


def _radius_table(doc: dict[str, Any]) -> str:
    """The spectral radius of each cell's W_hh at initialisation and after its training (no figure: two
    numbers a cell; the radius sweep's figure is a section of its own); a cell without W_hh says so."""
    from rnnkit.tasks.diagnose import NO_W_HH, gate_note, has_w_hh

    rows = [(cell, _g(r["radius_start"]["radius"], ".3f"), _g(r["radius_end"]["radius"], ".3f"), r["train_steps"])
            if has_w_hh(cell) else (cell, NO_W_HH, "—", r["train_steps"]) for cell, r in doc["cells"].items()]
    note = gate_note(doc)
    return table(["cell", "at initialisation", "after training", "training steps"], rows) + (
        f"<p>{escape(note)}</p>" if note else "")


def experiment_page(run: Path) -> Page:
    """The page of an ``rnnkit experiment`` or ``rnnkit diagnose`` output directory."""
    if (run / "results.json").is_file():
        doc = _read(run / "results.json", ("results", "metric"))
        page = Page(f"rnnkit report: experiment {doc.get('experiment', run.name)}")
        _experiment_sections(page, doc)
        return page
    doc = _read(run / "diagnose.json", ("cells", "radius_sweep", "clipping"))
    page = Page(f"rnnkit report: diagnose {run.resolve().name}")
    figures = diagnose_figures(doc)
    page.add("Gradient norm through time", figure_html(figures[0], div_id="curves"))
    page.add("Spectral radius of W_hh", _radius_table(doc))
    page.add("W_hh scaled to a radius (tanh RNN)", figure_html(figures[1]))
    page.add("Clipping", figure_html(figures[2]))
    if (run / "diagnose.md").is_file():
        page.add("Numbers", f"<pre>{escape((run / 'diagnose.md').read_text(encoding='utf-8'))}</pre>")
    return page
