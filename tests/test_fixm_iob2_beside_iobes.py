"""An IOBES (or BILUO) tagger evaluated on an IOB2 file, or an IOB2 --val-data file beside an IOBES training file, said
nothing: both open spans with B-, but the IOB2 file marks no span's end, so every span's last token (E-) and every
one-token span (S-) the model writes its way counted wrong in token accuracy. The file is now warned of, naming the
model's scheme and how to write the file its way; an IOBES file beside an IOB2 model stays refused (tags it does
not know)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import RnnkitWarning, UserError
from tests.test_fixl_tag_iobes_way import IOBES, _biluo
from tests.test_walk39_iob_mix import IOB2, TINY, warnings_of, write

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: the IOBES sentences written as IOB2 (by write(): their first span is B-PER on line 3, in column 4)
AS_IOB2 = [[(w, t.replace("E-", "I-").replace("S-", "B-")) for w, t in s] for s in IOBES]


@pytest.mark.parametrize(("scheme", "sentences", "last"), [("IOBES", IOBES, "E-"), ("BILUO", _biluo(IOBES), "L-")])
def test_an_iob2_val_file_beside_an_ended_training_file_is_warned_of(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], scheme: str,
        sentences: list[list[tuple[str, str]]], last: str) -> None:
    data, val = write(tmp_path / "train.conll", sentences), write(tmp_path / "val.conll", AS_IOB2)
    assert main(["train", "tag", "--data", str(data), "--val-data", str(val), "--out", str(tmp_path / "run"),
                 *TINY]) == 0
    (line,) = warnings_of(capsys.readouterr().err)
    assert line.startswith(f"rnnkit: warning: {val}: its spans are written as IOB2, marking no span's end (first "
                           f"span: {val}:3: column 4 (tag) 'B-PER'), the training file {data}'s as {scheme}:")
    assert f"a span's last token ({last})" in line and f"(the file as {scheme}: a span's first tag B-" in line


def test_evaluate_warns_of_an_iob2_file_under_an_iobes_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = write(tmp_path / "train.conll", IOBES)
    assert main(["train", "tag", "--data", str(data), "--out", str(tmp_path / "run"), *TINY]) == 0
    tagger = rnnkit.load(tmp_path / "run")
    iob2 = write(tmp_path / "iob2.conll", AS_IOB2)
    # a half-trained model's guesses opening with I-: its labels still say IOBES
    monkeypatch.setattr(type(tagger), "tag", lambda self, sents: [["I-PER"] * len(s) for s in sents])
    with pytest.warns(RnnkitWarning, match=r"iob2\.conll: its spans are written as IOB2, .* the model's as IOBES: "):
        tagger.evaluate(str(iob2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", r".* is the data the model at .* trained on")  # its training file (fixs)
        tagger.evaluate(str(data))  # its own scheme: nothing said of its spans


def test_an_iob2_model_is_quiet_on_iob2_and_refuses_iobes(tmp_path: Path) -> None:
    data = write(tmp_path / "train.conll", IOB2 + AS_IOB2)
    assert main(["train", "tag", "--data", str(data), "--out", str(tmp_path / "run"), *TINY]) == 0
    tagger = rnnkit.load(tmp_path / "run")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tagger.evaluate(str(write(tmp_path / "iob2.conll", AS_IOB2)))
    with pytest.raises(UserError, match="E-PER"):
        tagger.evaluate(str(write(tmp_path / "iobes.conll", IOBES)))
