"""walk42: `rnnkit diagnose --train-steps 0` (the gradients at initialisation only) wrote "nan → nan" as the training
loss in diagnose.md, and drew each cell's "(after 0 steps)" dashed line exactly over its "(init)" line in
gradient_norms.png and on the report page. Now the loss reads "— (no update)" and the line after training is drawn
only where there was training."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.report.experiments import diagnose_figures
from rnnkit.tasks import diagnose
from tests.test_walk42_diagnose_clip_threshold import CELL, DOC

UNTRAINED = {**DOC, "cells": {"lstm": {**CELL, "train_steps": 0, "train_loss_first": float("nan"),
                                       "train_loss_last": float("nan")}, "gru": CELL}}


def test_markdown_says_no_update_instead_of_nan() -> None:
    rows = [line for line in diagnose.markdown(UNTRAINED).splitlines() if line.startswith(("| lstm", "| gru"))]
    assert rows[0].endswith("| 0 | — (no update) |") and "nan" not in rows[0]
    assert rows[1].endswith("| 3 | 1.000 → 0.900 |")


def test_no_after_training_line_without_training(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    drawn: dict[str, list[str]] = {}
    monkeypatch.setattr("rnnkit.plots.gradient_norms_png",
                        lambda path, lines, *a, **k: drawn.setdefault(Path(path).name, [n for n, _, _ in lines]))
    diagnose._plot(UNTRAINED, tmp_path)
    expected = ["lstm (init) [0 at t ≤ 2: not on the log axis]",
                "gru (init) [0 at t ≤ 2: not on the log axis]", "gru (after 3 steps)"]
    assert drawn["gradient_norms.png"] == expected
    assert [trace.name for trace in diagnose_figures(UNTRAINED)[0].data] == expected
