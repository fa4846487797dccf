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


def test_the_printed_report_as_worked_by_hand() -> None:
    """Text a: true x, given x (0.9). Text b: true y and an unseen label, given x (0.6, wrongly) and y (0.7).
    x: 1 hit, 1 false; y: 1 hit; new: 1 missed. Micro 2/3 and 2/3; macro over the three labels; P@1 both
    texts' top label right (1), R@1 2 of 3 true labels."""
    s = ml.score(["a", "b"], [["x"], ["y", "new"]], torch.tensor([[0.9, 0.2], [0.6, 0.7]]), ["x", "y"])
    assert ml.format_multilabel_report(s.report, "texts").splitlines() == [
        "micro: precision 0.6667  recall 0.6667  F1 0.6667  (threshold 0.5; 2 texts, 3 labels, 3 predicted)",
        "macro: precision 0.5000  recall 0.6667  F1 0.5556",
        "exact match 0.5000  P@1 1.0000  R@1 0.6667",
        "label     precision  recall  f1      support",
        "x         0.5000     1.0000  0.6667  1",
        "y         1.0000     1.0000  1.0000  1",
        "new       0.0000     0.0000  0.0000  1",
        "1 label unseen in training, counted as missed (as fastText's test counts them): 'new'",
        ml.NO_CONFUSION]


@pytest.mark.parametrize(("count", "tail"), [(2, "'u0', 'u1'"), (10, "'u8', 'u9'"), (11, "'u9' and 1 more")])
def test_the_unseen_line_names_the_first_ten(count: int, tail: str) -> None:
    line = ml.unseen_line({"unseen_labels": [f"u{i}" for i in range(count)]})
    assert line.startswith(f"{count} labels unseen in training") and line.endswith(tail)
    assert ml.unseen_line({"unseen_labels": []}) == ml.unseen_line({}) == ""


def test_the_mistakes_keep_the_twelve_most_confident_by_default() -> None:
    probs = torch.linspace(0.6, 0.99, 14).view(14, 1)                # each text given a label it does not have
    s = ml.score([str(i) for i in range(14)], [[] for _ in range(14)], probs, ["x"])
    got = ml.confident_mistakes(s)
    assert [m.index for m in got] == list(range(13, 1, -1))
