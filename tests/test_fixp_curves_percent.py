"""An experiment's accuracy curves (curves.png and the report page's figure) read in percent, as results.md and the
closing line say it: the axis showed 0.85 beside a table saying 85.0%. A mean squared error stays as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rnnkit import plots
from rnnkit.report.experiments import experiment_figure
from tests.test_mut13c_plots import _doc, drawn  # noqa: F401 (a fixture)


def test_curves_png_of_an_accuracy_has_a_percent_axis(tmp_path: Path, drawn: list[Any]) -> None:  # noqa: F811
    plots.experiment_curves(_doc(), tmp_path / "curves.png")
    ax = drawn[0].axes[0]
    assert ax.get_ylabel() == "test accuracy (%)"
    assert ax.yaxis.get_major_formatter()(0.85, 0) == "85%"


def test_curves_png_of_a_mean_squared_error_keeps_its_numbers(tmp_path: Path, drawn: list[Any]) -> None:  # noqa: F811
    plots.experiment_curves(_doc("mse", None), tmp_path / "curves.png")
    ax = drawn[0].axes[0]
    assert ax.get_ylabel() == "test mse" and "%" not in ax.yaxis.get_major_formatter()(0.85, 0)


def test_the_report_page_s_curves_of_an_accuracy_are_in_percent_too() -> None:
    layout = experiment_figure(_doc()).layout
    assert layout.yaxis.title.text == "test accuracy (%)" and layout.yaxis.tickformat == ".0%"
    assert experiment_figure(_doc("mse", None)).layout.yaxis.tickformat is None
