"""Gaps a mutation audit of :mod:`rnnkit.tasks._speech_decoding` found (round 12): the error rates of no
utterances and a phoneme word error rate over the reference's words."""

from __future__ import annotations

import pytest

from rnnkit.tasks._speech_decoding import error_rates

pytest.importorskip("jiwer")


@pytest.mark.parametrize("kind", ["phonemes", "chars"])
def test_no_utterances_have_no_error_rates(kind: str) -> None:
    assert error_rates([], [], kind) == {}


def test_the_phoneme_word_error_rate_divides_by_the_reference_words() -> None:
    """"a | b" for "a": one inserted word over one reference word (read the other way round, 1/2)."""
    rates = error_rates(["a | b"], ["a"], "phonemes")  # (hypotheses, references)
    assert rates["wer"] == pytest.approx(1.0) and rates["per"] == pytest.approx(1.0)
