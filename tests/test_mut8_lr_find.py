"""Gaps a mutation audit of :mod:`rnnkit.train.lr_find` found (round 8): each test fails on one changed line."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from rnnkit.train.lr_find import LearningRateCurve, geometric_rates, run_range_test, smoothed


def test_a_test_that_never_diverges_runs_100_updates_from_1e_7_to_10_and_says_end() -> None:
    # fastai's lr_find(start_lr=1e-7, end_lr=10, num_it=100): the numbers written here, not the module's constants
    seen: list[float] = []
    curve = run_range_test(lambda lr: (3.0, 2), seen.append)
    assert curve.stopped == "end" and len(curve.rates) == len(seen) == 100
    assert curve.rates[0] == 1e-7 and math.isclose(curve.rates[-1], 10.0)
    assert curve.losses == [1.5] * 100 and all(math.isclose(s, 1.5) for s in curve.smoothed)


def test_it_stops_at_the_first_smoothed_loss_over_four_times_the_lowest() -> None:
    """A loss that rises by 5% an update from the 21st: the stop is the first update whose smoothed loss is over
    4 times the lowest so far (fastai's stop_div), found here by brute force."""
    losses = [1.0] * 20 + [1.05 ** k for k in range(1, 80)]
    avg = smoothed(losses)
    stop = next(i for i in range(len(avg)) if avg[i] > 4.0 * min(avg[: i + 1]))
    assert 40 < stop < 99  # worked out: neither at once nor never
    it = iter(losses)
    curve = run_range_test(lambda lr: (next(it), 1), lambda lr: None)
    assert curve.stopped == "diverged" and len(curve.rates) == stop + 1


def test_one_rate_is_the_start() -> None:
    assert geometric_rates(1e-3, 1.0, 1) == [1e-3]  # no division by updates - 1 = 0


@pytest.mark.parametrize("updates", [2, 3])
def test_few_rates_still_end_at_the_end(updates: int) -> None:
    rates = geometric_rates(1e-3, 1.0, updates)
    assert len(rates) == updates and rates[0] == 1e-3 and math.isclose(rates[-1], 1.0)


def test_the_suggestion_and_the_lowest_are_read_off_the_smoothed_loss() -> None:
    """Raw losses whose steepest fall and lowest point differ from the smoothed ones' (worked by hand, numpy's
    gradient over points 10 to 18: the raw losses fall most at 13, (1 - 5) / 2, and are least at 16; the
    'smoothed' ones fall most at 11, (2 - 5) / 2, the first of two, and are least at 19)."""
    rates = [float(i) for i in range(20)]
    raw = [5.0] * 14 + [1.0, 1.0, 0.5, 1.0, 1.0, 1.0]
    smooth = [5.0] * 12 + [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.9]
    curve = LearningRateCurve(rates, raw, smooth)
    assert curve.suggestion == 11.0 and curve.lowest == 19.0
    assert curve.to_json()["suggested_lr"] == 11.0 and curve.to_json()["lowest_loss_lr"] == 19.0
    assert curve.to_json()["loss"] == raw and curve.to_json()["smoothed_loss"] == smooth


def test_the_plot_draws_the_smoothed_loss_and_the_suggestion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rnnkit.plots

    drawn: list[tuple[Any, ...]] = []
    monkeypatch.setattr(rnnkit.plots, "lr_find_png", lambda *args: drawn.append(args))
    rates, raw, smooth = [1.0, 2.0, 3.0], [3.0, 1.0, 2.0], [3.0, 2.5, 2.4]
    name = str(tmp_path / "c.png")
    assert LearningRateCurve(rates, raw, smooth).plot(name) == Path(name)  # a Path, given a str
    assert drawn == [(rates, smooth, None, name)]  # too few points for a suggestion
