"""Every picture rnnkit draws, in one place: loss curves, confusion matrices, experiment curves and the
gradient-through-time figures of ``rnnkit diagnose``, the learning-rate range test's curve.

What a user gets: pictures written atomically (a temporary file, then a rename), drawn on matplotlib's
non-interactive Agg canvas, so drawing works on a machine without a screen and a crash never leaves half a
picture; pyplot, its backend and its open figures are left to the caller (a notebook's inline figures).
Each function takes plain numbers (lists, dicts, a ``metrics.jsonl`` path) and a path, whose suffix names the
format (``.png``, ``.svg``, ``.pdf``, ``.jpg`` ...: :func:`drawing_format`; PNG where it has none).
"""

from __future__ import annotations

import functools
import json
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rnnkit import strictjson
from rnnkit.errors import UserError, finite_number, warn, whole_number
from rnnkit.files import written

__all__ = [
    "attention_png",
    "confusion_png",
    "drawing_format",
    "experiment_curves",
    "figure",
    "gradient_norms_png",
    "load_matplotlib",
    "lr_find_png",
    "metric_axis_title",
    "plot_losses",
    "read_metrics",
    "region_grid",
    "sweep_png",
]


@contextmanager
def figure(path: str | Path, figsize: tuple[float, float] = (7, 4.5), dpi: int = 100) -> Iterator[Any]:
    """``with figure(path) as (fig, ax): ...`` draws on a fresh figure and saves it to ``path`` atomically, in the
    format its suffix names (:func:`drawing_format`).

    The figure is matplotlib's :class:`~matplotlib.figure.Figure` on an Agg canvas of its own, not pyplot's: pyplot's
    backend is the caller's. ``matplotlib.use("Agg")`` here switched it for the whole process, so a notebook's
    inline figures stopped showing after its first ``rnnkit.fit`` (``plt.show()``: "FigureCanvasAgg is
    non-interactive"), and pyplot's list of open figures is the caller's too."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    form = drawing_format(path)  # before drawing: a name it cannot write is refused at once
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    yield fig, ax
    lacking = _fit_fonts(fig)
    with warnings.catch_warnings():  # matplotlib's 'Glyph 50724 missing from font(s)', a line per character
        warnings.filterwarnings("ignore", r"Glyph \d+ .*missing from", UserWarning)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        with written(path, f".tmp.{form}") as tmp:
            fig.savefig(tmp, format=form)
    if lacking:
        shown = ", ".join(repr(c) for c in lacking[:8]) + (" ..." if len(lacking) > 8 else "")
        warn(f"{path}: no installed font has {shown}: drawn as boxes; install a font that has them (Debian: "
             "fonts-noto-cjk for Hangul, Chinese and Japanese) and draw it again")


#: the formats matplotlib writes that :func:`figure` leaves out: PGF needs a LaTeX installation to be written
UNDRAWN = ("pgf",)


def drawing_format(path: str | Path, flag: str | None = None) -> str:
    """The format a drawing saved at ``path`` is written in: the one its suffix names (matplotlib's name for it,
    ``jpg`` for ``x.JPG``), PNG where it has none; a suffix matplotlib does not write is refused in one line naming
    the path (after ``flag``, the command line's ``--attention-png``, evaluate's ``--png``, ``--find-lr-plot``,
    which check a name before the work it ends) and the suffixes taken (``x.jpg`` got PNG data under its name, and
    so did ``x.txt``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    suffix = Path(path).suffix.lower().removeprefix(".")
    taken = [name for name in FigureCanvasAgg.get_supported_filetypes() if name not in UNDRAWN]
    if not suffix or suffix in taken:
        return suffix or "png"
    given = f"{flag} {path}" if flag else f"{path}"
    raise UserError(f"{given}: a drawing is written in the format its name's suffix names; expected one of "
                    f"{', '.join('.' + name for name in taken)} (or no suffix, for PNG)")


#: a font that draws a placeholder for every character (matplotlib ships it): never chosen to draw text
PLACEHOLDER_FONTS = ("Last Resort",)


@functools.cache
def _characters(font_file: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    try:
        return frozenset(FT2Font(font_file).get_charmap())
    except (OSError, RuntimeError):  # a font file freetype cannot read: it draws nothing here
        return frozenset()


def _fit_fonts(fig: Any) -> str:
    """Give each text of ``fig`` with characters its font lacks (Hangul in DejaVu Sans, matplotlib's default) the
    first installed font that has them all, after its own (matplotlib falls back glyph by glyph): a Korean
    translation's attention picture had boxes for labels, and a line of matplotlib's per character. Returns the
    characters no installed font has."""
    from matplotlib import font_manager
    from matplotlib.text import Text

    lacking: set[str] = set()
    for text in fig.findobj(Text):
        chars = {c for c in text.get_text() if not c.isspace()}
        own = _characters(font_manager.findfont(text.get_fontproperties()))
        missing = {ord(c) for c in chars} - own
        if not missing:
            continue
        other = next((f for f in font_manager.fontManager.ttflist if not f.name.startswith(PLACEHOLDER_FONTS)
                      and missing <= _characters(f.fname)), None)
        if other is None:
            lacking |= {chr(c) for c in missing}
        else:
            text.set_fontfamily([*text.get_fontfamily(), other.name])
    return "".join(sorted(lacking))


def load_matplotlib() -> None:
    """Import what :func:`figure` draws with (matplotlib's Figure and its Agg canvas: a second or more the first
    time, on a busy machine), so that a caller chooses when: an import that a Ctrl-C interrupts leaves matplotlib
    half-imported for the rest of the process (``module 'matplotlib' has no attribute 'get_data_path'``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401


def _colours() -> list[str]:
    import matplotlib

    return matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]


def _positive(values: list[float]) -> tuple[list[int], list[float]]:
    """(t, v) for t = 1.. of the finite positive values (what a log axis can show)."""
    pts = [(t + 1, v) for t, v in enumerate(values) if v > 0 and math.isfinite(v)]
    return ([p[0] for p in pts], [p[1] for p in pts]) if pts else ([], [])


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """The records of a ``metrics.jsonl`` (one JSON object with a ``step`` a line; any other line is
    skipped: a run killed mid-write leaves one that is not JSON); an empty list when the file is missing."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_bytes().split(b"\n"):
        try:
            row = strictjson.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # damaged lines are skipped
            continue
        if isinstance(row, dict) and whole_number(row.get("step")):  # a record without a step has no place
            rows.append(row)
    return rows


def plot_losses(metrics_path: Path, png_path: Path) -> Path | None:
    """Draw train and validation loss against step from ``metrics.jsonl`` into ``png_path``."""
    if not metrics_path.exists():
        return None
    rows = read_metrics(metrics_path)
    train = [(r["step"], r["train_loss"]) for r in rows if finite_number(r.get("train_loss")) and "diverged" not in r]
    val = [(r["step"], r["val_loss"]) for r in rows if finite_number(r.get("val_loss"))]
    if not train and not val:
        return None
    with figure(png_path, figsize=(7, 4)) as (_, ax):
        if train:
            ax.plot(*zip(*train, strict=True), label="train loss", linewidth=1)
        if val:
            ax.plot(*zip(*val, strict=True), "o-", label="validation loss", linewidth=1.5, markersize=3)
        ax.set_xlabel("step")
        ax.set_ylabel("loss (nats per item)")
        ax.grid(alpha=0.3)
        ax.legend()
    return png_path


def confusion_png(report: dict[str, Any], path: Path, title: str) -> Path:
    """Draw the confusion matrix of a :func:`rnnkit.metrics.classification_report` (rows true, columns
    predicted, counts written in the cells up to 30 labels)."""
    labels = report["labels"]
    k = len(labels)
    size = min(12.0, 2.5 + 0.5 * k)
    matrix = report["confusion"]
    with figure(path, figsize=(size, size * 0.85)) as (fig, ax):
        im = ax.imshow(matrix, cmap="Blues")
        ax.set_xticks(range(k), labels, rotation=45 if k > 4 else 0, ha="right" if k > 4 else "center")
        ax.set_yticks(range(k), labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(title)
        top = max(max(row) for row in matrix) if matrix else 0
        if k <= 30:
            for i in range(k):
                for j in range(k):
                    ax.text(j, i, str(matrix[i][j]), ha="center", va="center",
                            color="white" if matrix[i][j] > top / 2 else "black", fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.046)
    return path


def metric_axis_title(doc: dict[str, Any]) -> str:
    """The axis title of an experiment's metric (results.json's ``doc``): ``test accuracy (%)`` (its ticks in percent,
    as results.md writes it), ``test mse``, ``waveform mse`` (:func:`rnnkit.tasks._experiment_results.metric_label`)."""
    from rnnkit.tasks._experiment_results import metric_label

    return metric_label(doc) + (" (%)" if doc["metric"] == "accuracy" else "")


def experiment_curves(doc: dict[str, Any], path: Path, solved: float | None = None) -> Path:
    """curves.png of ``rnnkit experiment``: test metric against training seconds, one colour per cell,
    one line per seed, the trivial baseline dashed and the "solved" line dotted."""
    colours = _colours()
    with figure(path, figsize=(7, 4.5), dpi=110) as (_, ax):
        for i, (cell, r) in enumerate(doc["results"].items()):
            for j, run in enumerate(r["runs"]):
                pts = [(p["seconds"], p["metric"]) for p in run["curve"] if math.isfinite(p["metric"])]
                if not pts:
                    continue
                xs, ys = zip(*pts, strict=True)
                ax.plot(xs, ys, color=colours[i % len(colours)], alpha=0.85, lw=1.3, label=cell if j == 0 else None)
        if doc["baseline"] is not None:
            ax.axhline(doc["baseline"], color="grey", ls="--", lw=1, label=doc["baseline_label"])
        if solved is not None:
            ax.axhline(solved, color="green", ls=":", lw=1, label="solved")
        if doc["metric"] == "mse":
            ax.set_yscale("log")
        if doc["metric"] == "accuracy":  # in percent, as results.md and the closing line say it (0.85 was drawn)
            from matplotlib.ticker import PercentFormatter

            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
        ax.set_xlabel("training seconds")
        ax.set_ylabel(metric_axis_title(doc))
        ax.set_title(f"rnnkit experiment {doc['experiment']}")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    return path


def gradient_norms_png(
    path: Path, lines: list[tuple[str, list[float], dict[str, Any]]], title: str, xlabel: str, ylabel: str,
    legend_size: int = 7, ncol: int = 1,
) -> Path:
    """Norms (or losses) against step on a log axis: one ``(label, values, line style)`` per line;
    steps are numbered from 1 and values that are not finite and positive are left out."""
    with figure(path, figsize=(7.5, 4.5), dpi=110) as (_, ax):
        for label, values, style in lines:
            ax.plot(*_positive(values), label=label, **style)
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=legend_size, ncol=ncol)
    return path


def attention_png(weights: list[list[float]], source_tokens: list[str], target_tokens: list[str], path: Path,
                  title: str = "attention") -> Path:
    """The heat map of one translation's attention: a row per target token, a column per source token (``path``'s
    suffix names the format: :func:`drawing_format`)."""
    import numpy as np

    rows = len(weights) or 1
    cols = max((len(w) for w in weights), default=len(source_tokens)) or 1
    grid = np.zeros((rows, cols))
    for i, w in enumerate(weights):
        grid[i, : len(w)] = w
    size = (min(2 + 0.35 * cols, 20), min(1.5 + 0.35 * rows, 20))
    with figure(path, figsize=size) as (fig, ax):
        image = ax.imshow(grid, cmap="viridis", aspect="auto", vmin=0.0, vmax=1.0)
        ax.set_xticks(range(cols), [repr(t)[1:-1] for t in source_tokens[:cols]], rotation=90)
        ax.set_yticks(range(rows), [repr(t)[1:-1] for t in target_tokens[:rows]])
        ax.set_xlabel("source")
        ax.set_ylabel("target")
        ax.set_title(title)
        fig.colorbar(image, ax=ax)
    return Path(path)


def region_grid(count: int, height: int, width: int) -> tuple[int, int]:
    """(rows, columns) of ``count`` regions laid over an image of ``height`` × ``width`` (the captioner's
    grid has the image's proportions)."""
    rows = max(1, round((count * height / width) ** 0.5))
    if count % rows or rows * width != (count // rows) * height:
        raise ValueError(f"{count} regions do not form a grid of the proportions {height} x {width}")
    return rows, count // rows


def caption_attention_png(image: Any, weights: list[list[float]], words: list[str], path: Path) -> Path:
    """One panel per written word: the image (C, H, W) in [0, 1] with that step's attention over the
    grid of regions laid over it, upsampled to the image's size."""
    import numpy as np

    picture = np.asarray(image, dtype=np.float32)
    picture = picture[0] if picture.shape[0] == 1 else picture.transpose(1, 2, 0)
    steps = max(len(weights), 1)
    cols = min(steps, 5)
    rows = -(-steps // cols)
    with figure(path, figsize=(2.2 * cols, 2.4 * rows)) as (fig, ax):
        ax.axis("off")
        for i, w in enumerate(weights):
            rows_, cols_ = region_grid(len(w), picture.shape[0], picture.shape[1])
            heat = np.kron(np.asarray(w, dtype=np.float32).reshape(rows_, cols_),
                           np.ones((picture.shape[0] // rows_, picture.shape[1] // cols_)))
            sub = fig.add_subplot(rows, cols, i + 1)
            sub.imshow(picture, cmap="gray" if picture.ndim == 2 else None)
            sub.imshow(heat, cmap="inferno", alpha=0.55, extent=(0, picture.shape[1], picture.shape[0], 0))
            sub.set_title(words[i] if i < len(words) else "", fontsize=9)
            sub.axis("off")
    return Path(path)


def sweep_png(sweeps: dict[str, dict[str, Any]], path: Path, ylabel: str, title: str) -> Path:
    """One panel per swept size (``{"length": {"values": [...], "series": {label: [y, ...]}, "note": str}}``),
    each line a variant (one colour per first word of the label; dashed where it says "loop", dotted
    where it says "parallel"), both axes logarithmic: where one variant overtakes another
    (benchmarks/scan_vs_loop.py)."""
    colours = _colours()
    with figure(path, figsize=(5 * len(sweeps), 4.2), dpi=110) as (fig, _):
        fig.clear()
        axes = fig.subplots(1, len(sweeps), squeeze=False)[0]
        for ax, (name, sweep) in zip(axes, sweeps.items(), strict=True):
            families = list(dict.fromkeys(label.split()[0] for label in sweep["series"]))
            for label, ys in sweep["series"].items():
                colour = colours[families.index(label.split()[0]) % len(colours)]
                style = "--" if "loop" in label else ":" if "parallel" in label else "-"
                ax.plot(sweep["values"], ys, marker="o", ms=3, lw=1.3, color=colour, ls=style, label=label)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xlabel(f"{name} ({sweep.get('note', '')})" if sweep.get("note") else name)
            ax.set_ylabel(ylabel)
            ax.grid(alpha=0.3, which="both")
        axes[0].legend(fontsize=8)
        fig.suptitle(title, fontsize=10)
    return path


def lr_find_png(rates: list[float], losses: list[float], suggestion: float | None, path: str | Path) -> None:
    """The learning-rate range test (``--find-lr``): the smoothed training loss against the rate on a log axis,
    the suggested rate a dashed line."""
    with figure(path, figsize=(6, 4)) as (_, ax):
        ax.plot(rates, losses)
        if suggestion is not None:
            ax.axvline(suggestion, color="tab:red", linestyle="--", label=f"suggested lr {suggestion:.2g}")
            ax.legend()
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss (smoothed)")
