"""Mutation audit 36a of span_way's two named returns (c01e226): labels that mark ends with L- only (every span of
two tokens or more) are BILUO's, and a model whose guesses open with B- no more often than with I- (as often, or
never) is unsure of its way."""

from __future__ import annotations

from rnnkit.tasks._tag_data import span_way

LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


def test_l_without_u_is_biluo() -> None:
    assert span_way([["B-PER", "I-PER", "L-PER", "O"]]) == "BILUO"


def test_a_model_whose_guesses_open_as_often_with_i_is_unsure() -> None:
    assert span_way([["B-PER", "O"], ["I-LOC", "O"]], LABELS) is None
    assert span_way([["O", "O"]], LABELS) is None  # no span guessed: nothing says B-
    assert span_way([["B-PER", "O"], ["B-LOC", "I-LOC"]], LABELS) == "B"
