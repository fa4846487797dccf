"""``evaluate`` of a clean IOB2 file with a tagger trained on IOB2 warned 'its spans open with B- as in IOB2, the
model's with I- as in IOB1 ... write both one way (IOB1 to IOB2: a span's first I- made B-)' wherever the model's
own predictions happened to open their spans with I- only (a half-trained model's stray guesses): the file was
right and the advice wrong. The model's way is now read from its labels (IOB1 where a type has I- and no B-), and
where they have B- for each type (IOB2's, or an IOB1 corpus's with two spans of each type side by side) from most
of its tagged sentences; a file written the other way is still named."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import RnnkitWarning
from rnnkit.spans import label_openings
from rnnkit.tasks._tag_data import span_way
from tests.test_walk39_iob_mix import IOB1, IOB2, TINY, write

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_models_stray_i_openings_do_not_fault_a_clean_iob2_file(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    iob2 = write(tmp_path / "iob2.conll", IOB2)
    assert main(["train", "tag", "--data", str(iob2), "--out", str(tmp_path / "run"), *TINY]) == 0
    tagger = rnnkit.load(tmp_path / "run")
    stray = [["O", "I-PER", "O", "O", "O", "O"], ["O", "O", "O", "I-LOC", "O"]] * 4  # no span opened with B-
    monkeypatch.setattr(type(tagger), "tag", lambda self, sentences: stray)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RnnkitWarning)
        warnings.filterwarnings("ignore", r".* is the data the model at .* trained on")  # its training file (fixs)
        tagger.evaluate(str(iob2))
    iob1 = write(tmp_path / "iob1.conll", IOB1)  # the same model's spans opened with B-, as a trained one's are
    monkeypatch.setattr(type(tagger), "tag", lambda self, sentences: [[t for _, t in s] for s in IOB2] * 4)
    with pytest.warns(RnnkitWarning, match=r"iob1\.conll: its spans open with I- as in IOB1 .*the model's with B-"):
        tagger.evaluate(str(iob1))


def test_the_way_of_a_models_labels() -> None:
    assert label_openings(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]) == {"B"}
    assert label_openings(["O", "B-LOC", "I-LOC", "I-PER"]) == {"I"}  # CoNLL-2003's IOB1: no B-PER
    assert label_openings(["O", "B-PER", "I-PER", "E-PER", "S-PER"]) == {"B"}  # IOBES opens with B- (or S-)
    assert label_openings(["O", "NN", "VB"]) == set()


def test_an_iob1_tagger_with_b_for_every_type_is_quiet_on_its_own_file(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """IOB1 writes B- between two spans of one type; a corpus with such a pair of each type gives its tagger B-PER
    and B-LOC, as an IOB2 tagger has them: its own IOB1 file is then not said to be written otherwise."""
    both = [*IOB1, [("Paris", "I-LOC"), ("Rome", "B-LOC"), ("ok", "O")]]
    data = write(tmp_path / "iob1.conll", both)
    assert main(["train", "tag", "--data", str(data), "--out", str(tmp_path / "run"), *TINY]) == 0
    tagger = rnnkit.load(tmp_path / "run")
    assert {"B-PER", "B-LOC"} <= set(tagger.labels)
    monkeypatch.setattr(type(tagger), "tag", lambda self, sentences: [[t for _, t in s] for s in both] * 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RnnkitWarning)
        warnings.filterwarnings("ignore", r".* is the data the model at .* trained on")  # its training file (fixs)
        tagger.evaluate(str(data))


def test_the_way_of_a_model() -> None:
    iob2 = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    assert span_way([["B-PER", "O"], ["O", "I-LOC"], ["B-LOC"]], iob2) == "B"
    assert span_way([["O", "I-PER"]], iob2) is None  # IOB1 with every B-, or a half-trained IOB2 tagger
    assert span_way([], ["O", "B-LOC", "I-LOC", "I-PER"]) == "I"
