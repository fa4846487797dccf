"""Gaps a mutation audit of diagnose's legends (walk42, round 36b) found: an infinite norm is named as not drawn,
steps left out that are not all at the start are counted (not 't ≤ k'), the line after training and the radius
sweep's lines name their zero norms too, and the report page draws the line after training dashed."""

from __future__ import annotations

from typing import Any

from rnnkit.report.experiments import diagnose_figures
from rnnkit.tasks import diagnose
from tests.test_walk42_diagnose_zero_norms import REPORT

ZERO = " [0 at t ≤ 1: not on the log axis]"


def test_not_drawn_names_infinite_and_scattered_steps() -> None:
    assert diagnose.not_drawn([1.0, float("inf")]) == " [0 or not finite at 1 step: not on the log axis]"
    assert diagnose.not_drawn([0.0, 1.0, 0.0]) == " [0 at 2 steps: not on the log axis]"


def test_the_line_after_training_and_the_sweep_name_their_zeros() -> None:
    cell = {**REPORT["cells"]["rnn_relu"], "grad_norms_end": [0.0, 1.0, 1.0, 1.0, 1.0]}
    sweep = {"0.5": {"factor": 0.5, "norms": [0.0, 0.1, 0.2, 0.4, 1.0]}}
    doc: dict[str, Any] = {**REPORT, "cells": {"rnn_relu": cell}, "radius_sweep": sweep}
    (_, _, _, _, cells), (_, _, _, _, radius), _ = diagnose.figures(doc)
    assert cells[1][0] == f"rnn_relu (after 3 steps){ZERO}"
    assert radius[0][0] == f"radius 0.5: ×0.500 per step{ZERO}"


def test_the_report_page_draws_the_line_after_training_dashed() -> None:
    init, after = diagnose_figures(REPORT)[0].data
    assert init.line.dash is None and after.line.dash == "dash" and init.line.color == after.line.color
