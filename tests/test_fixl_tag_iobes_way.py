"""A tagger trained on IOBES (or BILUO) tags opens its spans with B- as IOB2 does, so an IOB1 file evaluated with it
(or given as --val-data beside an IOBES training file) was warned about as "the model's with B- as in IOB2 ...
(IOB1 to IOB2: a span's first I- made B-)": a scheme the user never used, and advice that left the file unlike the
model's tags. The warning now names the model's (or training file's) scheme, IOBES or BILUO, and how it writes a
span."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import RnnkitWarning
from tests.test_walk39_iob_mix import IOB1, TINY, warnings_of, write

pytestmark = pytest.mark.usefixtures("one_torch_thread")

IOBES = [[("John", "B-PER"), ("Paul", "I-PER"), ("Smith", "E-PER"), ("lives", "O"), ("in", "O"), ("Seoul", "S-LOC")],
         [("Mary", "S-PER"), ("met", "O"), ("New", "B-LOC"), ("Big", "I-LOC"), ("York", "E-LOC")]]


def _biluo(sentences: list[list[tuple[str, str]]]) -> list[list[tuple[str, str]]]:
    return [[(w, t.replace("E-", "L-").replace("S-", "U-")) for w, t in s] for s in sentences]


@pytest.mark.parametrize(("scheme", "sentences", "last"), [("IOBES", IOBES, "E-"), ("BILUO", _biluo(IOBES), "L-")])
def test_an_iob1_val_file_beside_an_ended_training_file_names_its_scheme(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], scheme: str,
        sentences: list[list[tuple[str, str]]], last: str) -> None:
    data = write(tmp_path / "train.conll", sentences)
    val = write(tmp_path / "val.conll", IOB1)
    assert main(["train", "tag", "--data", str(data), "--val-data", str(val), "--out", str(tmp_path / "run"),
                 *TINY]) == 0
    (line,) = warnings_of(capsys.readouterr().err)
    assert f"the training file {data}'s with B- as in {scheme}:" in line
    assert f"(the file as {scheme}: a span's first tag B-, its last {last}" in line
    assert "IOB2" not in line


def test_evaluate_names_an_iobes_models_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = write(tmp_path / "train.conll", IOBES)
    assert main(["train", "tag", "--data", str(data), "--out", str(tmp_path / "run"), *TINY]) == 0
    tagger = rnnkit.load(tmp_path / "run")
    iob1 = write(tmp_path / "iob1.conll", [[("Paris", "I-LOC"), ("is", "O")], [("John", "I-PER"), ("ok", "O")]])
    monkeypatch.setattr(type(tagger), "tag", lambda self, sents: [["B-LOC", "E-LOC"], ["B-PER", "O"]] * 4)
    with pytest.warns(RnnkitWarning, match=r"iob1\.conll: its spans open with I- as in IOB1 .*the model's with B- "
                                           r"as in IOBES: .*\(the file as IOBES: "):
        tagger.evaluate(str(iob1))
