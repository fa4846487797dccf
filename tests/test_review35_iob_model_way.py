"""``evaluate`` of a clean IOB2 file with a tagger trained on IOB2 warned 'its spans open with B- as in IOB2, the
model's with I- as in IOB1 ... write both one way (IOB1 to IOB2: a span's first I- made B-)' wherever the model's
own predictions happened to open their spans with I- only (a half-trained model's stray guesses): the file was
right and the advice wrong. The model's way is now the way of the tags it was trained on (its labels), not of its
guesses; a file written the other way is still named."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import RnnkitWarning
from rnnkit.spans import label_openings
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
        tagger.evaluate(str(iob2))
    iob1 = write(tmp_path / "iob1.conll", IOB1)
    with pytest.warns(RnnkitWarning, match=r"iob1\.conll: its spans open with I- as in IOB1 .*the model's with B-"):
        tagger.evaluate(str(iob1))


def test_the_way_of_a_models_labels() -> None:
    assert label_openings(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]) == {"B"}
    assert label_openings(["O", "B-LOC", "I-LOC", "I-PER"]) == {"I"}  # CoNLL-2003's IOB1: no B-PER
    assert label_openings(["O", "B-PER", "I-PER", "E-PER", "S-PER"]) == {"B"}  # IOBES opens with B- (or S-)
    assert label_openings(["O", "NN", "VB"]) == set()
