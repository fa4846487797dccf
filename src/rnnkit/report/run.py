"""The part of the report every run gets: its configuration, its learning curves, its size and time.

What a user gets: :func:`overview_section` (the task, parameter count, steps, training time, best
validation value), :func:`curves_section` (train and validation loss, the other validation metrics, the
learning rate, the gradient norm and the share of clipped steps against the step, from
``metrics.jsonl``, as one interactive Plotly figure) and :func:`config_section` (``config.json``);
:func:`recorded_validation` rebuilds the validation data a run held out, for the sections that show
examples of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnnkit.errors import UserError, finite_number
from rnnkit.plots import read_metrics
from rnnkit.report.page import escape, figure_html, table
from rnnkit.tasks import loss_unit
from rnnkit.train.checkpoint import METRICS_LOG, Checkpoint, count_parameters, trained_processes
from rnnkit.wording import counted_unit

__all__ = ["config_section", "curves_figure", "curves_section", "overview_section", "recorded_validation"]

#: validation records that are not curves to draw (the loss has its own panel; counts are not metrics)
NOT_CURVES = {"val_loss", "val_tokens", "val_count", "val_items", "val_decoded"}


def recorded_validation(ckpt: Checkpoint, config_cls: type, split: Callable[..., Any], what: str,
                        flag: str) -> tuple[list[Any], str]:
    """The validation items of the run in ``ckpt`` and a phrase saying where they come from: its
    ``--val-data`` or the same seeded split of its ``--data``, through the task's own ``split(data, val_data,
    config)``. A run that names no data is refused with a hint to give ``--data FLAG``."""
    from rnnkit.train.options import config_from
    from rnnkit.train.provenance import recorded_file

    record = ckpt.config.get("data") or {}
    if not record.get("train"):
        raise UserError(f"{ckpt.path}: the run names no data; give --data {flag}")
    config = config_from(config_cls, ckpt.config.get("settings") or {})
    train = recorded_file(ckpt.path, record, "train", f"--data {flag}")
    val_data = recorded_file(ckpt.path, record, "val", f"--data {flag}") if record.get("val") else None
    _, val = split(train, val_data, config)
    return list(val), f"validation {what} of {record.get('val') or record['train']}"


def overview_section(ckpt: Checkpoint, last: Checkpoint | None) -> str:
    """A table: task, model, parameter count, steps, training time, the processes of a run under torchrun,
    throughput and the best value."""
    state = (last or ckpt).trainer_state
    best = ckpt.trainer_state
    seconds = float(state.get("elapsed", 0.0))
    rows: list[tuple[str, Any]] = [
        ("task", ckpt.config.get("task", "?")),
        ("parameters", f"{count_parameters(ckpt.model_shapes):,}"),
        ("steps", f"{int(state.get('step', 0)):,}"),
        ("training time", f"{seconds:,.1f} s ({seconds / 60:.1f} min)"),
    ]
    processes = trained_processes(state)
    if processes > 1:  # a run under torchrun
        rows.append(("processes", f"{processes} (torchrun; batch_size below is each one's)"))
    if state.get("tokens") and state.get("train_seconds"):
        speed = state["tokens"] / max(state["train_seconds"], 1e-9)
        rows.append((f"{counted_unit(state)} per second (training steps)", f"{speed:,.0f}"))
    if best.get("best_metric") is not None:
        metric = best.get("metric", "loss")
        rows.append((f"best validation {metric}", f"{best['best_metric']:.4f}{loss_unit(ckpt.config, metric)} at step "
                                                  f"{best.get('best_step')}"))
    model = ckpt.config.get("model")
    if isinstance(model, dict):
        rows.append(("model", ", ".join(f"{k}={v}" for k, v in model.items())))
    return table(["", ""], rows)


def config_section(ckpt: Checkpoint) -> str:
    """The run's settings as a table, and the whole ``config.json`` folded below it."""
    settings = ckpt.config.get("settings")
    parts = []
    if isinstance(settings, dict):
        items = sorted(settings.items())
        rows = [[v for pair in items[i : i + 3] for v in pair] for i in range(0, len(items), 3)]
        parts.append(table(["setting", "value"] * 3, rows))
    text = json.dumps(ckpt.config, indent=1, ensure_ascii=False)
    parts.append(f"<details><summary>config.json ({escape(ckpt.path / 'config.json')})</summary>"
                 f"<pre>{escape(text)}</pre></details>")
    return "\n".join(parts)


def _series(rows: list[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    pts = [(r["step"], r[key]) for r in rows if finite_number(r.get(key)) and "diverged" not in r]
    return [p[0] for p in pts], [p[1] for p in pts]


def curves_figure(rows: list[dict[str, Any]]) -> Any:
    """One Plotly figure, panels sharing the step axis: losses, other validation metrics (when there
    are any), learning rate, gradient norm (last and mean of each logged interval), clipped share."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    extra = sorted({k for r in rows for k in r if k.startswith("val_") and k not in NOT_CURVES})
    panels = [("loss (nats per item)", ["train_loss", "val_loss"])]
    if extra:
        panels.append(("validation metrics", extra))
    panels += [("learning rate", ["lr"]), ("gradient norm", ["grad_norm", "grad_norm_mean"]),
               ("clipped share of steps", ["clipped"])]
    fig = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        subplot_titles=[p[0] for p in panels])
    for i, (_, keys) in enumerate(panels, start=1):
        for key in keys:
            xs, ys = _series(rows, key)
            if xs:
                mode = "lines+markers" if key.startswith("val_") else "lines"
                fig.add_trace(go.Scatter(x=xs, y=ys, mode=mode, name=key.replace("_", " ")), row=i, col=1)
    fig.update_xaxes(title_text="step", row=len(panels), col=1)
    fig.update_layout(height=220 * len(panels) + 80, margin={"t": 40, "b": 40, "l": 60, "r": 20},
                      hovermode="x unified")
    return fig


def curves_section(run: Path) -> str:
    """The learning curves of ``run/metrics.jsonl`` (a note when there is none)."""
    rows = read_metrics(run / METRICS_LOG)
    if not rows:
        return f'<p class="note">{escape(run / METRICS_LOG)}: no records; the run logged nothing yet.</p>'
    return figure_html(curves_figure(rows), div_id="curves")
