"""IOB1 (CoNLL-2003's original files: a span opens with I-, B- only right after a span of its type) mixed with IOB2
(every span opens with B-): in one training file, across the training and validation files, or between an
evaluation file and the model's tags. Each was read without a word; token accuracy then counted a span's first
token wrong wherever the two ways differ, while the span scores (conlleval's) read both alike. Now a warning names
the first line of each way.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import RnnkitWarning

pytestmark = pytest.mark.usefixtures("one_torch_thread")

IOB2 = [[("John", "B-PER"), ("Smith", "I-PER"), ("lives", "O"), ("in", "O"), ("New", "B-LOC"), ("York", "I-LOC")],
        [("Mary", "B-PER"), ("John", "B-PER"), ("met", "O"), ("Seoul", "B-LOC"), (".", "O")]]
IOB1 = [[(w, "I-" + t[2:] if t.startswith("B-") and (i == 0 or s[i - 1][1][2:] != t[2:]) else t)
         for i, (w, t) in enumerate(s)] for s in IOB2]
TINY = ["--steps", "1", "--hidden", "4", "--embedding", "4", "--char-hidden", "2", "--no-progress", "--threads", "1"]


def write(path: Path, sentences: list[list[tuple[str, str]]], copies: int = 4) -> Path:
    """Four-column CoNLL-2003 lines (word POS chunk NER), the tag last."""
    blocks = ["\n".join(f"{w} NNP I-NP {t}" for w, t in s) for s in sentences * copies]
    path.write_text("-DOCSTART- -X- -X- O\n\n" + "\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


def warnings_of(err: str) -> list[str]:
    """The warning lines of ``err`` but the one that says a --val-data file is the training data (a small corpus
    given as both here; that warning's own tests are tests/test_fixm_val_is_training.py)."""
    return [line for line in err.splitlines()
            if line.startswith("rnnkit: warning:") and not line.startswith("rnnkit: warning: --val-data ")]


def test_iob1_and_iob2_in_one_training_file_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write(tmp_path / "mixed.conll", IOB1 + IOB2)
    assert main(["train", "tag", "--data", str(data), "--out", str(tmp_path / "run"), *TINY]) == 0
    (line,) = warnings_of(capsys.readouterr().err)
    # IOB1's first sentence opens with I-PER on line 3; IOB2's first opens with B-PER two sentences (of 6 and 5
    # tokens, each and its blank line) later
    assert f"{data}:3: column 4 (tag) 'I-PER'" in line and "IOB1" in line
    assert f"{data}:{3 + 7 + 6}: column 4 (tag) 'B-PER'" in line and "IOB2" in line


def test_one_way_each_file_is_quiet_and_two_files_two_ways_are_named(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    iob1, iob2 = write(tmp_path / "iob1.conll", IOB1), write(tmp_path / "iob2.conll", IOB2)
    assert main(["train", "tag", "--data", str(iob1), "--out", str(tmp_path / "a"), *TINY]) == 0
    assert main(["train", "tag", "--data", str(iob2), "--val-data", str(iob2), "--out", str(tmp_path / "b"),
                 *TINY]) == 0
    assert warnings_of(capsys.readouterr().err) == []
    assert main(["train", "tag", "--data", str(iob2), "--val-data", str(iob1), "--out", str(tmp_path / "c"),
                 *TINY]) == 0
    (line,) = warnings_of(capsys.readouterr().err)
    assert line.startswith(f"rnnkit: warning: {iob1}: its spans open with I- as in IOB1")
    assert f"(first: {iob1}:3: column 4 (tag) 'I-PER'), the training file {iob2}'s with B- as in IOB2" in line


def test_evaluate_names_a_file_written_otherwise_than_the_models_tags(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    iob1, iob2 = write(tmp_path / "iob1.conll", IOB1, 1), write(tmp_path / "iob2.conll", IOB2)
    assert main(["train", "tag", "--data", str(iob2), "--out", str(tmp_path / "run"), *TINY]) == 0
    tagger = rnnkit.load(tmp_path / "run")
    monkeypatch.setattr(type(tagger), "tag", lambda self, sentences: [[t for _, t in s] for s in IOB2])
    with pytest.warns(RnnkitWarning, match=r"iob1\.conll: its spans open with I- as in IOB1 .*the model's with B-"):
        scores = tagger.evaluate(str(iob1))
    # John, New, Mary and Seoul open their spans with I- in the file and B- in the model's tags
    assert scores["span_f1"] == 1.0 and scores["accuracy"] == pytest.approx(7 / 11)


def test_iobes_is_not_taken_for_iob2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An IOBES file opens spans with B- (and S-); a model's tags that open one with I- (a stray guess) are no IOB1."""
    iobes = [[("John", "B-PER"), ("Smith", "E-PER"), ("lives", "O"), ("in", "O"), ("Paris", "S-LOC")],
             [("Mary", "S-PER"), ("met", "O"), ("Kim", "B-PER"), ("Min", "I-PER"), ("Lee", "E-PER"), (".", "O")]]
    data = write(tmp_path / "iobes.conll", iobes)
    assert main(["train", "tag", "--data", str(data), "--out", str(tmp_path / "run"), *TINY]) == 0
    tagger = rnnkit.load(tmp_path / "run")
    stray = [["I-PER", "E-PER", "O", "O", "S-LOC"], ["S-PER", "O", "O", "O", "O", "O"]] * 4
    monkeypatch.setattr(type(tagger), "tag", lambda self, sentences: stray)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RnnkitWarning)
        warnings.filterwarnings("ignore", r".* is the data the model at .* trained on")  # its training file (fixs)
        assert tagger.evaluate(str(data))["true_spans"] == 4 * 4
