"""``span_way`` of a training file (tidy36, folding the IOB warnings) gathered every tag of the training file into
one list to look for IOBES/BILUO prefixes: a second list as long as the corpus's tokens, on every run with
--val-data (before tidy36 the tags were read one at a time). They are read one at a time again."""

from __future__ import annotations

import tracemalloc

from rnnkit.tasks._tag_data import span_way


def test_a_training_files_tags_are_not_copied() -> None:
    tagged = [["B-PER", "I-PER", "O", "O"] for _ in range(25_000)]  # 100,000 tags: a list of them is 800 kB
    tracemalloc.start()
    try:
        assert span_way(tagged) == "B"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200_000, peak


def test_the_ways_are_as_before() -> None:
    assert span_way([["B-PER", "E-PER", "O"], ["S-LOC"]]) == "IOBES"
    assert span_way([["I-PER", "O"], ["I-LOC"]]) == "I"
    assert span_way([["B-PER", "O"], ["I-LOC"]]) is None
