"""Mutation round 40: classify's warnings of texts longer than --max-len (walk52), unit by unit."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from types import SimpleNamespace

from rnnkit.tasks._classify_data import _encode_measured, _encode_read, _encode_training, _longer

WORDS = SimpleNamespace(encode=lambda text: [2] * len(text.split()))  # one token a word
TEXTS = ["one two", "a b c d", "x y z", "p q r s t u"]  # 2, 4, 3 and 6 tokens


def _said(call: Callable[[], object]) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught]


def test_a_text_of_max_len_tokens_is_neither_long_nor_cut() -> None:
    assert _longer([3, 4], 3) == [1]
    assert _encode_measured(WORDS, ["a b c", "a b c d", "a b c d e"], 3) == ([[2] * 3] * 3, [3, 4, 5])


def test_the_read_warning_names_the_first_long_text_and_the_longest_length() -> None:
    said = _said(lambda: _encode_read(WORDS, TEXTS, 3))
    assert len(said) == 1 and "2 of 4 texts (the first text 2) are" in said[0]
    assert "(the longest is 6 tokens;" in said[0]


def test_a_search_trial_says_nothing_of_long_texts() -> None:
    table = SimpleNamespace(texts=TEXTS, path="t.csv", lines=[2, 3, 4, 5])
    assert _said(lambda: _encode_training(WORDS, table, 3, "training", say=False)) == []
    said = _said(lambda: _encode_training(WORDS, table, 3, "training"))
    assert len(said) == 1 and "(the first on line 3)" in said[0]
