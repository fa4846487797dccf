"""`rnnkit train speech` on Korean transcripts without `--symbols chars`: the user wanted Hangul for the scam
classifier and got a recogniser of IPA phonemes, unsaid; now a warning says so before training."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from rnnkit.cli import main
from rnnkit.data.speech import read_manifest
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._speech_config import SpeechConfig
from rnnkit.tasks._speech_data import warn_korean_phonemes

soundfile = pytest.importorskip("soundfile")
pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng to phonemize")]

WARNING = "and --symbols is phonemes, the default: the model will write espeak-ng's IPA phonemes, not Hangul"


def corpus(folder: Path) -> Path:
    folder.mkdir()
    rows = [("a.wav", "네 택배입니다"), ("b.wav", "고객님 OTP 번호 불러주세요")]
    for i, (name, _) in enumerate(rows):
        t = np.arange(16000) / 8000
        soundfile.write(folder / name, 0.2 * np.sin(2 * np.pi * (300 + 100 * i) * t), 8000, subtype="PCM_16")
    (folder / "manifest.tsv").write_text("audio\ttext\n" + "".join(f"{a}\t{t}\n" for a, t in rows), encoding="utf-8")
    return folder


def train(data: Path, out: Path, *extra: str) -> int:
    return main(["train", "speech", "--data", str(data), "--out", str(out), "--steps", "1", "--hidden", "4",
                 "--layers", "1", "--val-fraction", "0", "--no-progress", *extra])


def test_korean_transcripts_trained_as_phonemes_are_warned_of(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    data = corpus(tmp_path / "calls")
    assert train(data, tmp_path / "phonemes") == 0
    err = capsys.readouterr().err
    assert f"rnnkit: warning: the transcripts are Korean ({data / 'a.wav'}: '네 택배입니다') {WARNING}" in err
    assert "give --symbols chars" in err


@pytest.mark.parametrize("settings", [{"symbols": "chars"}, {"voice": "ko"}])
def test_korean_phonemes_or_chars_asked_for_are_not(settings: dict[str, str], tmp_path: Path) -> None:
    utts = read_manifest(corpus(tmp_path / "calls"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_korean_phonemes(utts, SpeechConfig(**settings))
    with pytest.warns(RnnkitWarning, match="give --symbols chars"):
        warn_korean_phonemes(utts, SpeechConfig())
