"""Gaps a mutation audit of :mod:`rnnkit.multilabel` found (round 11): each test fails on one changed line."""

from __future__ import annotations

import math

import pytest
import torch

from rnnkit import multilabel as ml
from rnnkit.errors import SettingError
from rnnkit.multilabel import NONE_SHOWN, check_threshold, label_joiner, multi_hot, shown_labels, with_unseen


def test_a_threshold_of_zero_is_taken_only_where_zero_is_allowed() -> None:
    assert check_threshold(0, zero=True) == 0.0 and check_threshold(0.0, zero=True) == 0.0
    with pytest.raises(SettingError, match="between 0 and 1"):
        check_threshold(0)


@pytest.mark.parametrize("zero", [False, True])
def test_a_bool_is_no_threshold(zero: bool) -> None:
    """False reads 0 and True 1 to Python; neither is a probability someone meant."""
    for value in (False, True):
        with pytest.raises(SettingError, match="threshold"):
            check_threshold(value, zero=zero)


def test_the_separator_a_model_was_trained_with_joins_its_labels() -> None:
    assert label_joiner(["a", "b"], ";") == ";"
    assert label_joiner(["a", "b"], " & ") == " & "
    assert label_joiner(["a", "b"]) == "," and label_joiner(["a", "b"], "") == ","   # none given: the first free


def test_a_text_given_no_label_shows_none() -> None:
    assert shown_labels([]) == NONE_SHOWN == "(none)"
    assert shown_labels(["sauce", "cheese"], "|") == "sauce|cheese"


def test_a_label_named_twice_is_one_target() -> None:
    assert multi_hot([["b", "b"], ["a", "b", "a"]], ["a", "b"]) == [[0, 1], [1, 1]]


def test_labels_unseen_in_training_follow_the_models_sorted() -> None:
    """Sorted, so that the columns (and the report's unseen_labels) are the same from run to run: a set's order
    changes with Python's string hashing."""
    texts = [["q", "m"], ["z", "b"], ["a", "k", "x"], ["f"]]
    assert with_unseen(texts, ["m", "b"]) == ["m", "b", "a", "f", "k", "q", "x", "z"]


def test_the_loss_of_probabilities_of_exactly_0_and_1_is_finite_as_torchs_on_the_clamped_ones() -> None:
    """A sigmoid in float32 reaches 1.0 (and 0.0): the loss clamps, else a confident mistake was inf and a
    confident hit 0 * log 0 = nan."""
    probs = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.5]])
    targets = torch.tensor([[0, 1, 1], [0, 1, 1]])
    loss = ml.validation_scores(probs, targets)["loss"]
    want = torch.nn.functional.binary_cross_entropy(probs.clamp(1e-12, 1 - 1e-7), targets.float())
    assert math.isfinite(loss) and loss == pytest.approx(float(want), rel=1e-5)
