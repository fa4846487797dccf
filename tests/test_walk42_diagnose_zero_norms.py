"""walk42: a gradient norm that is exactly 0 (an rnn_relu cell's, N(0, 0.001²) weights, far from the loss) cannot
sit on a log axis; gradient_norms.png and the report page left those steps out without a word, and the line read as
a probe that stopped there. The legend now says which steps are 0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rnnkit.report.experiments import diagnose_figures
from rnnkit.tasks import diagnose

#: a diagnose.json cut to what the pictures read: one cell whose first two norms are 0
REPORT: dict[str, Any] = {
    "length": 5, "radius_length": 5, "clipping_length": 5,
    "cells": {"rnn_relu": {"grad_norms_start": [0.0, 0.0, 1e-3, 1e-2, 1.0],
                           "grad_norms_end": [0.1, 0.2, 0.3, 0.4, 1.0], "train_steps": 3}},
    "radius_sweep": {"0.9": {"factor": 0.9, "norms": [0.6, 0.7, 0.8, 0.9, 1.0]}},
    "clipping": {"clipped": {"reason": "trained", "losses": [1.0, 0.5]}},
}


def test_not_drawn_names_the_steps_left_off_the_log_axis() -> None:
    assert diagnose.not_drawn([1.0, 2.0]) == ""
    assert diagnose.not_drawn([0.0, 0.0, 1.0]) == " [0 at t ≤ 2: not on the log axis]"
    assert diagnose.not_drawn([1.0, 0.0, 1.0]) == " [0 at 1 step: not on the log axis]"
    assert diagnose.not_drawn([None, 0.0, 1.0]) == " [0 or not finite at t ≤ 2: not on the log axis]"


def test_gradient_norms_png_legend_says_where_the_norm_is_zero(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    drawn: dict[str, list[str]] = {}
    monkeypatch.setattr("rnnkit.plots.gradient_norms_png",
                        lambda path, lines, *a, **k: drawn.setdefault(Path(path).name, [n for n, _, _ in lines]))
    diagnose._plot(REPORT, tmp_path)
    assert drawn["gradient_norms.png"] == ["rnn_relu (init) [0 at t ≤ 2: not on the log axis]",
                                           "rnn_relu (after 3 steps)"]
    assert drawn["radius.png"] == ["radius 0.9: ×0.900 per step"]


def test_report_page_legend_says_where_the_norm_is_zero() -> None:
    names = [trace.name for trace in diagnose_figures(REPORT)[0].data]
    assert names == ["rnn_relu (init) [0 at t ≤ 2: not on the log axis]", "rnn_relu (after 3 steps)"]
