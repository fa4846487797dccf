"""Gaps a mutation audit of :mod:`rnnkit.tasks._experiment_results` found (round 7): results.md and the --json summary
of hand-made results, written out by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rnnkit.tasks._experiment_results import first_solved, format_metric, markdown, summary, write_outputs


def run(steps: int, stopped: str, curve: list[tuple[float, float]]) -> dict:
    return {"steps": steps, "stopped": stopped, "curve": [{"seconds": s, "metric": m, "step": 0} for s, m in curve]}


def adding_doc() -> dict:
    return {
        "experiment": "adding", "metric": "mse", "description": "The adding problem", "torch_threads": 2,
        "device": "cuda", "settings": {"minutes": 2.5, "steps": None, "seeds": 2},
        "results": {
            "lstm": {"hidden": 8, "parameters": 321, "mean": 0.004567891, "std": 0.00012346, "seconds": 61.234,
                     "runs": [run(10, "budget", [(5.4, 0.2), (30.6, float("nan")), (40.2, 0.005)]),
                              run(13, "steps", [(3.0, 0.5), (9.0, 0.01)])]},
            "rnn_tanh": {"hidden": 8, "parameters": 99, "mean": 0.25, "std": 0.5, "seconds": 2.0,
                         "runs": [run(4, "budget", [(1.0, 0.3)]), run(4, "budget", [(1.0, 0.2)])]},
            "gru": {"hidden": 8, "parameters": 200, "mean": None, "std": None, "seconds": 1.0,
                    "runs": [run(1, "diverged", [(0.5, float("nan"))]), run(1, "diverged", [])]},
        },
        "published": {"lstm": "MSE < 0.01", "note": "Le et al. 2015"},
        "baseline": 0.1667, "baseline_label": "predict 1", "higher_is_better": False,
        "cells_not_run": ["irnn"],
    }


def test_results_md_of_hand_made_results() -> None:
    """The whole page: the budget, the device, a solved column (one of two lstm seeds below MSE 0.01, at 40 s; a NaN
    point not counted), steps averaged over the seeds, the stop reasons once each, the cells not run, the baseline and
    the cells no better than it (a diverged cell's null mean shown as nan, not counted), the published note."""
    assert markdown(adding_doc()).splitlines() == [
        "# adding", "", "The adding problem.", "",
        "Budget per run: 2.5 min; seeds: 2 (0, 1); torch threads: 2; device: cuda.", "",
        "| cell | lr | hidden | parameters | test mse (mean ± std) | seconds / run | steps / run | stopped | "
        "solved (MSE < 0.01) | published |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
        "| lstm |  | 8 | 321 | 0.004568 ± 0.0001235 | 61 | 12 | budget; steps | 1/2 (at 40s) | MSE < 0.01 |",
        "| rnn_tanh |  | 8 | 99 | 0.25 ± 0.5 | 2 | 4 | budget | 0/2 |  |",
        "| gru |  | 8 | 200 | nan ± nan | 1 | 1 | diverged | 0/2 |  |",
        "", "Not run to the end (the experiment was stopped): irnn.",
        "", "Trivial baseline (predict 1): 0.1667.",
        "", "No better than the trivial baseline, so nothing learned in this budget: rnn_tanh.",
        "", "Published: Le et al. 2015.",
    ]


def test_results_md_of_an_accuracy_on_the_cpu_with_a_step_budget_and_one_seed() -> None:
    """Percent to one decimal, no spread for one seed, no device on the CPU, the steps in the budget, no solved
    column outside the adding problem, and a cell at the baseline accuracy (higher is better) no better than it."""
    doc = adding_doc()
    doc.update(experiment="mnist", metric="accuracy", device="cpu", settings={"minutes": 5, "steps": 0, "seeds": 1},
               baseline=0.1134, baseline_label="the majority class", higher_is_better=True, cells_not_run=[],
               published={"lstm": "98.2%"})
    doc["results"] = {"lstm": {**doc["results"]["lstm"], "mean": 0.98765, "runs": doc["results"]["lstm"]["runs"][:1]},
                      "gru": {**doc["results"]["rnn_tanh"], "mean": 0.1134, "runs": doc["results"]["gru"]["runs"][:1]}}
    assert markdown(doc).splitlines() == [
        "# mnist", "", "The adding problem.", "",
        "Budget per run: 5 min or 0 steps; seeds: 1 (0); torch threads: 2.", "",
        "| cell | lr | hidden | parameters | test accuracy (mean ± std) | seconds / run | steps / run | stopped | "
        "published |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        "| lstm |  | 8 | 321 | 98.8% | 61 | 10 | budget | 98.2% |",
        "| gru |  | 8 | 99 | 11.3% | 2 | 1 | diverged |  |",
        "", "Trivial baseline (the majority class): 11.3%.",
        "", "No better than the trivial baseline, so nothing learned in this budget: gru.",
    ]


def test_a_cell_just_past_the_baseline_learned_something() -> None:
    doc = adding_doc()
    doc["results"]["rnn_tanh"]["mean"] = 0.1666
    assert "No better than" not in markdown(doc)
    doc["results"]["rnn_tanh"]["mean"] = 0.1667  # at the baseline: no better
    assert "nothing learned in this budget: rnn_tanh." in markdown(doc)
    doc["baseline"] = None
    assert "baseline" not in markdown(doc).lower()


@pytest.mark.parametrize("v, metric, shown", [
    (0.98765, "accuracy", "98.8%"), (1.0, "accuracy", "100.0%"), (0.0123456, "mse", "0.01235"),
    (12345.0, "mse", "1.234e+04"),
    (None, "mse", "nan"), (float("nan"), "accuracy", "nan"), (float("inf"), "mse", "nan"), (-math.inf, "mse", "nan"),
])
def test_format_metric(v: float | None, metric: str, shown: str) -> None:
    assert format_metric(v, metric) == shown


def test_first_solved_is_the_first_point_below_the_line() -> None:
    """Below 0.01, not at it; NaN and other experiments never solve."""
    r = run(1, "budget", [(1.0, float("nan")), (2.0, 0.01), (3.0, 0.0099), (4.0, 0.001)])
    assert first_solved(r, "adding")["seconds"] == 3.0
    assert first_solved(r, "mnist") is None
    assert first_solved(run(1, "budget", [(1.0, 0.01), (2.0, -math.inf)]), "adding") is None


def test_summary_is_the_means_the_spreads_and_the_seconds_to_the_hundredth() -> None:
    assert summary(adding_doc()) == {"experiment": "adding", "metric": "mse", "results": {
        "lstm": {"mean": 0.004567891, "std": 0.00012346, "seconds": 61.23},
        "rnn_tanh": {"mean": 0.25, "std": 0.5, "seconds": 2.0},
        "gru": {"mean": None, "std": None, "seconds": 1.0}}}


def test_write_outputs_makes_the_folders_and_ends_results_json_with_a_newline(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    write_outputs(adding_doc(), out)
    text = (out / "results.json").read_text()
    assert text.endswith("}\n") and json.loads(text)["results"]["gru"]["mean"] is None
    assert (out / "results.md").read_text() == markdown(adding_doc()) and (out / "curves.png").stat().st_size > 0


def test_a_baseline_of_0_is_shown_and_an_infinite_mean_is_nan_not_no_better() -> None:
    doc = adding_doc()
    doc["baseline"] = 0.0
    assert "Trivial baseline (predict 1): 0." in markdown(doc).splitlines()
    doc = adding_doc()
    doc["results"]["rnn_tanh"]["mean"] = math.inf  # shown as nan, as a diverged run is: not counted
    assert "No better than" not in markdown(doc) and "| rnn_tanh |  | 8 | 99 | nan ± 0.5 |" in markdown(doc)


def test_write_outputs_draws_the_solved_line_of_the_experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rnnkit.plots

    seen = []
    monkeypatch.setattr(rnnkit.plots, "experiment_curves", lambda doc, path, solved=None: seen.append(solved))
    write_outputs(adding_doc(), tmp_path)
    assert seen == [0.01]
