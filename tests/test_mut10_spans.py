"""Gaps a mutation audit of :mod:`rnnkit.spans` found (round 10): each test fails on one changed line. The
expected spans are worked by hand with conlleval's rules (endOfChunk / startOfChunk, a type being everything after
the first hyphen)."""

from __future__ import annotations

import pytest

from rnnkit.spans import is_span_tagset, span_scores, spans


def test_a_tag_that_only_begins_with_o_is_no_outside_tag() -> None:
    assert not is_span_tagset(["B-PER", "ORG"])
    assert not is_span_tagset(["I-LOC", "OUT", "O"])


def test_a_type_may_hold_hyphens_as_conlleval_allows() -> None:
    # conlleval splits a tag at its first hyphen: B-GEO-LOC is a B- of the type GEO-LOC
    assert is_span_tagset(["B-GEO-LOC", "I-GEO-LOC", "O"])
    assert spans(["B-GEO-LOC", "I-GEO-LOC", "O", "S-X-Y"]) == {(0, 1, "GEO-LOC"), (3, 3, "X-Y")}


@pytest.mark.parametrize(("tags", "expected"), [
    (["E-PER", "E-PER"], {(0, 0, "PER"), (1, 1, "PER")}),                  # E- after E- opens a span
    (["S-PER", "E-PER", "O"], {(0, 0, "PER"), (1, 1, "PER")}),             # E- after S- opens a span
    (["O", "E-LOC", "B-LOC", "E-LOC"], {(1, 1, "LOC"), (2, 3, "LOC")}),    # E- after O opens a span
])
def test_an_end_tag_after_a_closed_span_opens_one(tags: list[str], expected: set[tuple[int, int, str]]) -> None:
    assert spans(tags) == expected


def test_true_and_predicted_sentences_must_pair_up() -> None:
    with pytest.raises(ValueError):
        span_scores([["B-PER"], ["O"]], [["B-PER"]])

