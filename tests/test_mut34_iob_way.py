"""Mutation round 34 on the IOB1/IOB2 warning: a tie among a model's guesses, labels that are no chunk tags, and a
validation file written one way beside a training file of both ways (already warned of)."""

from __future__ import annotations

import warnings
from pathlib import Path

from rnnkit.data.slashtags import read_tagged
from rnnkit.errors import RnnkitWarning
from rnnkit.spans import label_openings
from rnnkit.tasks._tag_data import span_way, warn_span_openings
from tests.test_walk39_iob_mix import IOB1, IOB2, write


def test_as_many_guesses_opening_with_i_as_with_b_leave_the_models_way_unknown() -> None:
    labels = ["O", "B-PER", "I-PER"]
    assert span_way([["B-PER", "O"], ["I-PER", "O"]], labels) is None
    assert span_way([["B-PER", "O"], ["B-PER", "O"], ["I-PER", "O"]], labels) == "B"


def test_labels_that_are_not_all_chunk_tags_have_no_way() -> None:
    assert label_openings(["NN", "B-X", "I-X"]) == set()


def test_a_one_way_validation_file_beside_a_mixed_training_file_is_not_warned_of(tmp_path: Path) -> None:
    """The training file of both ways has its own warning; an IOB2 validation file is not 'the other way' of it."""
    val = read_tagged(str(write(tmp_path / "iob2.conll", IOB2, 1)))
    mixed = read_tagged(str(write(tmp_path / "mixed.conll", IOB1 + IOB2, 1)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RnnkitWarning)
        warn_span_openings(val, span_way(mixed.tags), "the training file mixed.conll's")
