"""walk42: diagnose.md, clipping.png and the report page named the runs "unclipped" and "clipped" without the
threshold (the global gradient norm 1, in diagnose.json only), so a researcher could not tell what was clipped at
what. The clipped run is now "clipped at global norm 1" everywhere it is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.report.experiments import diagnose_figures
from rnnkit.tasks import diagnose
from tests.test_walk42_diagnose_zero_norms import REPORT

RUNS = {"unclipped": {"clip": None, "reason": "diverged", "losses": [1.0, 9.0], "diverged": True,
                      "first_loss": 1.0, "final_loss": float("nan")},
        "clipped": {"clip": 1.0, "reason": "trained", "losses": [1.0, 0.5], "diverged": False,
                    "first_loss": 1.0, "final_loss": 0.5}}
CELL = {**REPORT["cells"]["rnn_relu"], "radius_start": {"radius": 0.1}, "radius_end": {"radius": 0.1},
        "first_over_last_start": 0.0, "first_over_last_end": 0.1, "train_loss_first": 1.0, "train_loss_last": 0.9}
SWEEP = {"0.9": {**REPORT["radius_sweep"]["0.9"], "first_over_last": 0.6}}
DOC = {**REPORT, "cells": {"rnn_relu": CELL}, "radius_sweep": SWEEP, "clipping": RUNS, "clipping_lr": 0.01}


def test_markdown_names_the_clipping_threshold() -> None:
    text = diagnose.markdown(DOC)
    assert "| clipped at global norm 1 | no | trained |" in text
    assert "| unclipped | yes | diverged |" in text


def test_clipping_png_and_report_page_name_the_threshold(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    drawn: dict[str, list[str]] = {}
    monkeypatch.setattr("rnnkit.plots.gradient_norms_png",
                        lambda path, lines, *a, **k: drawn.setdefault(Path(path).name, [n for n, _, _ in lines]))
    diagnose._plot(DOC, tmp_path)
    expected = ["unclipped: diverged", "clipped at global norm 1: trained"]
    assert drawn["clipping.png"] == expected
    assert [trace.name for trace in diagnose_figures(DOC)[2].data] == expected
