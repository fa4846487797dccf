"""A single-label classifier's ``baseline(threshold=...)`` is refused, as ``evaluate(threshold=...)`` and ``rnnkit
evaluate --baseline --threshold`` refuse it: the threshold cuts a multi-label model's labels, and a single-label
baseline gives the most probable label whatever it is. The call took any value (0.3, NaN, "x") and fitted the
baseline without a word."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import rnnkit
from rnnkit.errors import SettingError
from tests import test_api_words as words

pytestmark = pytest.mark.usefixtures("one_torch_thread")

data = words.data
trained = words.trained


@pytest.mark.parametrize("threshold", [0.3, math.nan, "x"])
def test_a_single_label_baseline_refuses_a_threshold_nothing_reads(trained: Path, threshold: object) -> None:
    model = rnnkit.load(trained)
    with pytest.raises(SettingError, match=r"^threshold .*: applies only to a multi-label model"):
        model.baseline(threshold=threshold)


def test_the_threshold_is_refused_before_any_file_is_read(trained: Path, tmp_path: Path) -> None:
    with pytest.raises(SettingError, match="^threshold 0.3"):
        rnnkit.load(trained).baseline(str(tmp_path / "missing.csv"), threshold=0.3)


def test_without_a_threshold_the_baseline_is_fitted(trained: Path) -> None:
    model, info = rnnkit.load(trained).baseline()
    assert info["train_rows"] > 0 and model.predict(["good film 3"])[0] in ("pos", "neg")
