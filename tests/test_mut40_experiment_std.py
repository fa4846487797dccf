"""Mutation round 40: an experiment cell's mean and std (fixr: one seed's std is null) where a run diverged."""

from __future__ import annotations

import math

from rnnkit.tasks.experiments import _mean_std


def test_one_diverged_seed_is_nan_not_an_unmeasured_spread() -> None:
    """A lone seed that diverged has NaN for both, as several do: its std is not null (one seed that ran)."""
    mean, std = _mean_std([float("nan")])
    assert math.isnan(mean) and std is not None and math.isnan(std)
    assert _mean_std([0.5]) == (0.5, None)


def test_no_runs_is_nan_not_an_error() -> None:
    mean, std = _mean_std([])
    assert math.isnan(mean) and std is not None and math.isnan(std)


def test_a_seed_whose_metric_is_infinite_makes_the_cell_nan() -> None:
    """A diverged run's perplexity may be inf: the cell is NaN, not inf (nor stdev's AttributeError)."""
    mean, std = _mean_std([float("inf"), 0.5])
    assert math.isnan(mean) and std is not None and math.isnan(std)
