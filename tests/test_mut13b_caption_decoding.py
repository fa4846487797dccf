"""Gaps a mutation audit of :mod:`rnnkit.tasks._caption_decoding` found (round 13): the scores without sacrebleu,
where BLEU is None and exact match is still counted, also of no captions at all."""

from __future__ import annotations

import sys

import pytest

from rnnkit.tasks._caption_decoding import caption_scores


def test_without_sacrebleu_exact_match_is_counted_and_bleu_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sacrebleu.metrics", None)   # import sacrebleu.metrics: ImportError
    assert caption_scores(["A red dot", "a box"], [["a red  dot"], ["one box", "a blue box"]]) == {
        "exact_match": 0.5, "bleu": None}
    assert caption_scores([], []) == {"exact_match": 0.0, "bleu": None}
