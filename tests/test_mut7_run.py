"""Gaps a mutation audit of :mod:`rnnkit.report.run` found (round 7): each test fails on one changed line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from rnnkit.errors import UserError
from rnnkit.report import run as run_report


def test_the_settings_table_is_sorted_three_to_a_row_and_keeps_the_last_short_row() -> None:
    ckpt = SimpleNamespace(config={"settings": {"d": 4, "b": 2, "a": 1, "c": 3}}, path=Path("R"))
    html = run_report.config_section(ckpt)
    rows = [re.findall(r"<td>(.*?)</td>", r) for r in re.findall(r"<tr>(<td>.*?)</tr>", html)]
    assert rows == [["a", "1", "b", "2", "c", "3"], ["d", "4"]]


def test_config_json_is_shown_escaped_with_its_characters_as_written() -> None:
    ckpt = SimpleNamespace(config={"task": "café <b>"}, path=Path("R"))
    html = run_report.config_section(ckpt)
    assert "&quot;task&quot;: &quot;café &lt;b&gt;&quot;" in html


def test_a_curve_skips_diverged_records_and_values_that_are_not_numbers() -> None:
    rows = [{"step": 1, "train_loss": 2.0}, {"step": 2, "train_loss": None}, {"step": 3, "train_loss": "nan"},
            {"step": 4, "train_loss": 9.0, "diverged": True}, {"step": 5, "train_loss": 1.5}, {"step": 6}]
    assert run_report._series(rows, "train_loss") == ([1, 5], [2.0, 1.5])


def test_the_curves_draw_each_validation_metric_once_and_the_mean_gradient_norm() -> None:
    """val_loss has the loss panel, counts (val_items ...) are no metric; validation points are marked."""
    rows = [{"step": s, "train_loss": 1.0, "val_loss": 1.1, "val_accuracy": 0.5, "val_items": 40, "lr": 0.1,
             "grad_norm": 2.0, "grad_norm_mean": 1.5, "clipped": 0.0} for s in (1, 2)]
    fig = run_report.curves_figure(rows)
    traces = {t.name: t.mode for t in fig.data}
    assert traces == {"train loss": "lines", "val loss": "lines+markers", "val accuracy": "lines+markers",
                      "lr": "lines", "grad norm": "lines", "grad norm mean": "lines", "clipped": "lines"}
    assert [a.text for a in fig.layout.annotations] == ["loss (nats per item)", "validation metrics", "learning rate",
                                                        "gradient norm", "clipped share of steps"]


def test_a_run_that_logged_nothing_says_so(tmp_path: Path) -> None:
    assert "no records; the run logged nothing yet" in run_report.curves_section(tmp_path)


@dataclass
class _Config:
    seed: int = 0


def test_recorded_validation_splits_the_runs_files_and_names_where_the_items_come_from() -> None:
    seen = []

    def split(train: str, val: str | None, config: _Config) -> tuple[list[str], list[str]]:
        seen.append((train, val, config.seed))
        return ["x"], ["a", "b"]

    def ckpt(data: dict) -> SimpleNamespace:
        return SimpleNamespace(config={"data": data, "settings": {"seed": 3}}, path=Path("R"))

    assert (run_report.recorded_validation(ckpt({"train": "no-t.txt", "val": "no-v.txt"}), _Config, split, "pairs",
                                           "FILE") == (["a", "b"], "validation pairs of no-v.txt"))
    assert run_report.recorded_validation(ckpt({"train": "no-t.txt"}), _Config, split, "pairs", "FILE")[1] == (
        "validation pairs of no-t.txt")
    assert seen == [("no-t.txt", "no-v.txt", 3), ("no-t.txt", None, 3)]
    with pytest.raises(UserError, match="^R: the run names no data; give --data FILE$"):
        run_report.recorded_validation(ckpt({}), _Config, split, "pairs", "FILE")


def test_the_overview_counts_steps_and_time_to_the_last_checkpoint_and_the_best_value_from_the_best() -> None:
    best = SimpleNamespace(trainer_state={"step": 100, "elapsed": 60.0, "best_metric": 0.5, "best_step": 100},
                           config={"task": "charlm"}, model_shapes={})
    last = SimpleNamespace(trainer_state={"step": 200, "elapsed": 120.0, "best_metric": 0.75, "best_step": 150})
    html = run_report.overview_section(best, last)
    assert "<td>steps</td><td>200</td>" in html and "<td>training time</td><td>120.0 s (2.0 min)</td>" in html
    assert "<td>best validation loss</td><td>0.5000 nats/char at step 100</td>" in html


def test_a_best_value_of_zero_is_shown_under_its_metric_and_no_rate_without_the_training_seconds() -> None:
    state = {"step": 9, "elapsed": 6.0, "tokens": 500, "best_metric": 0.0, "metric": "wer", "best_step": 7}
    html = run_report.overview_section(SimpleNamespace(trainer_state=state, config={}, model_shapes={}), None)
    assert "<td>best validation wer</td><td>0.0000 at step 7</td>" in html and "items per second" not in html
