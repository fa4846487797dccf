"""An ensemble joined into another counts each of its models: a model inside it joined again is warned of
(mutation audit round 19b)."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.errors import RnnkitWarning
from tests import test_api_words as words

pytestmark = pytest.mark.usefixtures("one_torch_thread")

data = words.data
trained = words.trained


def test_a_model_inside_a_joined_ensemble_counts(trained: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(trained / "best", copy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pair = rnnkit.load(trained).ensemble(copy)
        rnnkit.load(copy).ensemble(pair)
    said = [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning)]
    assert said == [f"ensemble: {copy} is joined 2 times (this model and the others given), so it counts 2 times in "
                    "the mean of the 3 models; join each model once for an even mean"]
