"""Mutation audit 36a of diagnose's one description of its figures (1595685): on the report page and in
gradient_norms.png each cell's two lines share its colour, the cells' colours differ, the line after training is
dashed; the PNG's legend keeps its two columns, and every PNG drawn is listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rnnkit.report.experiments import diagnose_figures
from rnnkit.tasks import diagnose
from tests.test_walk42_diagnose_clip_threshold import CELL, DOC

TWO = {**DOC, "cells": {"lstm": CELL, "gru": CELL}}


def test_the_pages_cells_have_a_colour_each_and_dash_the_line_after_training() -> None:
    lines = [trace.line for trace in diagnose_figures(TWO)[0].data]
    assert [line.dash for line in lines] == [None, "dash", None, "dash"]
    assert lines[0].color == lines[1].color != lines[2].color == lines[3].color


def test_the_pngs_cells_have_a_colour_each_and_every_png_is_listed(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    drawn: dict[str, tuple[list, dict[str, Any]]] = {}
    monkeypatch.setattr("rnnkit.plots.gradient_norms_png",
                        lambda path, lines, *a, **k: drawn.setdefault(Path(path).name, (lines, k)))
    assert diagnose._plot(TWO, tmp_path) == ["gradient_norms.png", "radius.png", "clipping.png"]
    assert list(drawn) == ["gradient_norms.png", "radius.png", "clipping.png"]
    lines, legend = drawn["gradient_norms.png"]
    colours = [style["color"] for _, _, style in lines]
    assert colours[0] == colours[1] != colours[2] == colours[3]
    assert legend == {"legend_size": 7, "ncol": 2}
