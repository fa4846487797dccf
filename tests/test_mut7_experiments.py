"""Gaps a mutation audit of :mod:`rnnkit.report.experiments` found (round 7): each test fails on one changed line."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from rnnkit.errors import UserError
from rnnkit.report import experiments


@pytest.mark.parametrize(("content", "said"), [
    (b"\xff\xfe{", "results.json: not valid JSON"),
    (b"[1, 2]", "results.json: expected a JSON object"),
    (b"{}", "results.json: no 'results'; expected the results.json that rnnkit experiment writes"),
    (b'{"results": {}}', "results.json: no 'metric'"),
])
def test_a_damaged_results_file_is_named_in_one_line(tmp_path: Path, content: bytes, said: str) -> None:
    (tmp_path / "results.json").write_bytes(content)
    with pytest.raises(UserError, match=said):
        experiments.experiment_page(tmp_path)


def test_a_diagnose_file_without_a_key_names_diagnose(tmp_path: Path) -> None:
    (tmp_path / "diagnose.json").write_text('{"cells": {}}', encoding="utf-8")
    with pytest.raises(UserError, match="no 'radius_sweep'; expected the diagnose.json that rnnkit diagnose writes"):
        experiments.experiment_page(tmp_path)


def _run(seed: int, metrics: list[float]) -> dict:
    return {"seed": seed, "stopped": "steps",
            "curve": [{"step": 10 * i, "seconds": float(i), "metric": m} for i, m in enumerate(metrics)]}


def test_each_seeds_line_is_named_by_its_seed_coloured_by_its_cell_and_skips_non_finite_points() -> None:
    doc = {"metric": "mse", "baseline": 0.0, "results": {
        "lstm": {"runs": [_run(7, [1.0, math.nan, 0.5]), _run(8, [2.0, math.inf])]},
        "gru": {"runs": [_run(7, [3.0])]}}}
    fig = experiments.experiment_figure(doc)
    assert [t.name for t in fig.data] == ["lstm seed 7", "lstm seed 8", "gru seed 7"]
    assert [t.line.color for t in fig.data] == ["#1f77b4", "#1f77b4", "#ff7f0e"]
    assert [list(t.y) for t in fig.data] == [[1.0, 0.5], [2.0], [3.0]]
    assert list(fig.data[0].x) == [0.0, 2.0] and list(fig.data[0].customdata) == [0, 20]
    assert fig.layout.yaxis.type == "log" and [s.y0 for s in fig.layout.shapes] == [0.0]


def test_how_runs_ended_is_sorted_and_cells_not_run_are_named() -> None:
    from rnnkit.report.page import Page

    cell = {"mean": 0.5, "std": 0.1, "parameters": 10, "hidden": 4, "seconds": 1.0,
            "runs": [{"stopped": w, "curve": []} for w in ("time", "steps", "target", "diverged", "interrupted")]}
    page = Page("x")
    experiments._experiment_sections(page, {"metric": "accuracy", "results": {"lstm": cell},
                                            "cells_not_run": ["gru", "rnn_tanh"]})
    results = page.sections[0][1]
    assert "<td>diverged, interrupted, steps, target, time</td>" in results
    assert "Not run to the end (the experiment was stopped): gru, rnn_tanh." in results


def test_log_lines_start_at_step_one_and_leave_out_what_a_log_axis_cannot_show() -> None:
    fig = experiments._log_lines("t", "x", "y", [("a", [1.0, 0.0, -1.0, math.inf, math.nan, 2.0], {})])
    assert (list(fig.data[0].x), list(fig.data[0].y)) == ([1, 6], [1.0, 2.0])


def _diagnose() -> dict:
    cell = {"grad_norms_start": [1.0, 2.0], "grad_norms_end": [3.0, 4.0], "train_steps": 5,
            "radius_start": {"radius": 0.5}, "radius_end": {"radius": 1.25}}
    return {"length": 30, "radius_length": 12, "clipping_length": 10, "cells": {"lstm": cell},
            "radius_sweep": {"0.9": {"factor": 0.875, "norms": [1.0]}}, "clipping": {}}


def test_the_diagnose_figures_name_start_and_end_and_the_sweeps_own_length() -> None:
    grads, sweep, _ = experiments.diagnose_figures(_diagnose())
    assert [(t.name, list(t.y), t.line.dash) for t in grads.data] == [
        ("lstm (init)", [1.0, 2.0], None), ("lstm (after 5 steps)", [3.0, 4.0], "dash")]
    assert sweep.layout.title.text == "tanh RNN, W_hh = radius × orthogonal, T = 12"
    assert [t.name for t in sweep.data] == ["radius 0.9: ×0.875 per step"]


def test_the_radius_table_gives_the_start_then_the_end() -> None:
    assert "<tr><td>lstm</td><td>0.500</td><td>1.250</td><td>5</td></tr>" in experiments._radius_table(_diagnose())


def test_an_experiment_page_is_titled_by_the_experiment_it_ran(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text('{"experiment": "adding", "metric": "mse", "results": {}}')
    assert experiments.experiment_page(tmp_path).title == "rnnkit report: experiment adding"


def test_a_number_results_json_does_not_hold_is_shown_as_nan() -> None:
    assert (experiments._g(0.12345, ".3g"), experiments._g(None, ".3g"), experiments._g("x", ".3g")) == (
        "0.123", "nan", "nan")


def test_a_diagnose_page_has_numbers_only_where_diagnose_md_is(tmp_path: Path) -> None:
    import json

    (tmp_path / "diagnose.json").write_text(json.dumps(_diagnose()), encoding="utf-8")
    assert [t for t, _ in experiments.experiment_page(tmp_path).sections][-1] == "Clipping"
    (tmp_path / "diagnose.md").write_text("| a <b> |", encoding="utf-8")
    title, body = experiments.experiment_page(tmp_path).sections[-1]
    assert title == "Numbers" and body == "<pre>| a &lt;b&gt; |</pre>"
