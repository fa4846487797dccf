"""Mutation round 30 of the warning of Korean transcripts trained as phonemes (walk34): a Korean line after an
English first is seen; a line with its own phonemes meant them; a resumed run is not warned again (it was told at
its start, and its symbols are the checkpoint's); and ``info`` keeps a plain vocabulary row for another task's
model (walk34's row of a recogniser)."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.speech import Utterance
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._speech_config import SpeechConfig
from rnnkit.tasks._speech_data import warn_korean_phonemes
from tests.test_walk34_korean_phonemes import corpus, train

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_korean_line_after_an_english_one_is_seen() -> None:
    utts = [Utterance(Path("a.wav"), "hello"), Utterance(Path("b.wav"), "네 택배입니다")]
    with pytest.warns(RnnkitWarning, match=r"the transcripts are Korean \(b.wav: '네 택배입니다'\)"):
        warn_korean_phonemes(utts, SpeechConfig())


def test_korean_lines_with_their_own_phonemes_meant_them() -> None:
    utts = [Utterance(Path("a.wav"), "네 택배입니다", "n e | t ɛ k p ɛ")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_korean_phonemes(utts, SpeechConfig())


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng to phonemize")
def test_a_resumed_run_is_not_warned_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = corpus(tmp_path / "calls"), tmp_path / "asr"
    assert train(data, out) == 0
    assert "the transcripts are Korean" in capsys.readouterr().err
    assert main(["train", "speech", "--resume", str(out), "--steps", "2", "--no-progress"]) == 0
    assert "the transcripts are Korean" not in capsys.readouterr().err


def test_info_of_a_classifier_of_characters_has_a_plain_vocabulary_row(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A character tokenizer's vocab.json has a "symbols" list too; the classifier writes no CTC blank."""
    table = tmp_path / "d.csv"
    table.write_text("text,label\n" + "".join(f"w{i % 5} x{i % 3},{'ab'[i % 2]}\n" for i in range(24)),
                     encoding="utf-8")
    assert main(["train", "classify", "--data", str(table), "--out", str(tmp_path / "c"), "--layers", "0",
                 "--pooling", "mean", "--embedding", "4", "--steps", "1", "--no-progress"]) == 0
    assert isinstance(json.loads((tmp_path / "c" / "best" / "vocab.json").read_text(encoding="utf-8"))["symbols"], list)
    capsys.readouterr()
    assert main(["info", str(tmp_path / "c"), "--json"]) == 0
    assert "writes" not in json.loads(capsys.readouterr().out)
    assert main(["info", str(tmp_path / "c")]) == 0
    assert "CTC blank" not in capsys.readouterr().out  # it read 'vocabulary  10: 9 None and the CTC blank'
