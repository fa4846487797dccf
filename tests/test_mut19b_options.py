"""rnnkit.train.options' warning of evaluation settings in a run without validation data: a count of 0 evaluation
sentences agrees with the run, as 0 images or utterances do (mutation audit round 19b)."""

from __future__ import annotations

import warnings

import pytest

from rnnkit.train.options import TRAINER_DEFAULTS, refuse_given_without_use


def test_no_evaluation_sentences_agree_with_the_run() -> None:
    settings = {**TRAINER_DEFAULTS, "val_fraction": 0, "eval_sentences": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        refuse_given_without_use(settings, {"eval_sentences", "val_fraction"})
    with pytest.warns(UserWarning, match=r"evaluates nothing: --eval-sentences is not used$"):
        refuse_given_without_use({**settings, "eval_sentences": 1}, {"eval_sentences", "val_fraction"})
