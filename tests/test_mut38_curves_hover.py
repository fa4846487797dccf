"""Mutation round 38 on fixp's percent axis: the report page's hover reads an accuracy in percent too (85.0%), as
its axis does; a mean squared error keeps four significant digits."""

from __future__ import annotations

from rnnkit.report.experiments import experiment_figure
from tests.test_mut13c_plots import _doc


def test_the_hover_of_an_accuracy_curve_is_in_percent() -> None:
    accuracy = experiment_figure(_doc()).data
    mse = experiment_figure(_doc("mse", None)).data
    assert accuracy and mse
    assert {t.hovertemplate for t in accuracy} == {"step %{customdata}<br>%{y:.1%}"}
    assert {t.hovertemplate for t in mse} == {"step %{customdata}<br>%{y:.4g}"}
