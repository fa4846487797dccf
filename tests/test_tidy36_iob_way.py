"""The IOB1/IOB2 warning folded into one decision (warn_span_openings: this file's way against a reference way) and
one reference (span_way: the training file's way, or a model's read from its labels and guesses). What a user reads
is word for word as before; these pin the reference ways and the two messages against another way."""

from __future__ import annotations

import warnings

import pytest

from rnnkit.data.conll import Sentences
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._tag_data import span_way, warn_span_openings

HARM = ("token accuracy and per-tag scores count a span's first token wrong wherever the two differ (the span scores, "
        "conlleval's, read both alike)")
FIRST = ("v.conll: its spans open with I- as in IOB1 (CoNLL-2003's original files) (first: v.conll:1: column 2 (tag) "
         "'I-LOC')")


@pytest.mark.parametrize(("tagged", "way"), [
    ([["I-PER", "O"], ["O", "I-LOC"]], "I"),
    ([["B-PER", "I-PER"], None, ["B-LOC"]], "B"),
    ([["B-PER", "E-PER"], ["S-LOC", "O"]], "IOBES"),
    ([["B-PER", "L-PER"], ["U-LOC", "O"]], "BILUO"),
    ([["I-PER", "E-PER"]], "I"),  # opened with I-: named IOB1 whatever ends it
    ([["I-PER", "O"], ["B-LOC"]], None),  # both ways: the training file's own warning says so
    ([["NN", "VB"]], None),
])
def test_the_way_of_a_training_file(tagged: list[list[str] | None], way: str | None) -> None:
    assert span_way(tagged) == way


def test_the_way_of_a_model_is_named_by_its_labels_scheme() -> None:
    guesses = [["B-LOC", "E-LOC"], ["S-PER", "O"], ["B-PER", "O"]]
    assert span_way(guesses, ["O", "B-LOC", "E-LOC", "S-LOC", "B-PER", "E-PER", "S-PER"]) == "IOBES"
    assert span_way(guesses, ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]) == "B"


def _said(way: str | None) -> list[str]:
    val = Sentences("v.conll", [["Paris", "is"], ["John", "ok"]], [["I-LOC", "O"], ["I-PER", "O"]], [1, 4])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RnnkitWarning)
        warn_span_openings(val, way, "the model's")
    return [str(w.message) for w in caught]


def test_a_file_written_otherwise_than_the_reference_is_told_the_same_words() -> None:
    assert _said("IOBES") == [f"{FIRST}, the model's with B- as in IOBES: {HARM}; write both one way (the file as "
                              "IOBES: a span's first tag B-, its last E-, a span of one token S-)"]
    assert _said("B") == [f"{FIRST}, the model's with B- as in IOB2: {HARM}; write both one way (IOB1 to IOB2: a "
                          "span's first I- made B-)"]
    assert _said("I") == _said(None) == []
