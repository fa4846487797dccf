"""Mutation round 35 of the folded IOB1/IOB2 warning (span_way, warn_span_openings): a U- tag alone names BILUO; an
IOB2 file beside an IOB2 reference, and a file with no spans beside any, are told nothing (an IOB2 file beside an
IOBES or BILUO one is told its scheme: tests/test_fixm_iob2_beside_iobes.py)."""

from __future__ import annotations

import warnings

import pytest

from rnnkit.data.conll import Sentences
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._tag_data import span_way, warn_span_openings


def test_a_u_tag_alone_names_biluo() -> None:
    assert span_way([["B-PER", "I-PER", "O", "U-LOC"]]) == "BILUO"


def _said(tags: list[list[str]], way: str) -> list[str]:
    val = Sentences("v.conll", [["w"] * len(t) for t in tags], tags, [1 + 3 * i for i in range(len(tags))])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RnnkitWarning)
        warn_span_openings(val, way, "the training file t.conll's")
    return [str(w.message) for w in caught]


def test_an_iob2_file_beside_an_iob2_way_is_told_nothing() -> None:
    assert _said([["B-PER", "I-PER", "O"], ["B-LOC"]], "B") == []


@pytest.mark.parametrize("way", ["IOBES", "BILUO"])
def test_an_iob2_file_beside_a_way_marking_ends_is_told_that_way(way: str) -> None:
    said = _said([["B-PER", "I-PER", "O"], ["B-LOC"]], way)
    assert len(said) == 1 and "written as IOB2" in said[0] and f"the file as {way}" in said[0], said


@pytest.mark.parametrize("way", ["I", "B", "IOBES"])
def test_a_file_with_no_spans_is_told_nothing(way: str) -> None:
    assert _said([["O", "O"], ["O"]], way) == []
