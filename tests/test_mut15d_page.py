"""Gaps a mutation audit of :mod:`rnnkit.report.page` found (round 15): the chart's Plotly config (no logo,
resizes with the window)."""

from __future__ import annotations

import pytest

pytest.importorskip("plotly")

from rnnkit.report.page import figure_html  # noqa: E402


def test_a_figure_is_responsive_and_has_no_plotly_logo() -> None:
    import plotly.graph_objects as go

    html = figure_html(go.Figure(go.Bar(x=[1], y=[2])), div_id="bars")
    assert '{"displaylogo": false, "responsive": true}' in html
