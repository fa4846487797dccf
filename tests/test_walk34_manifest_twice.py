"""A call exported twice into manifest.tsv (the same recording on two lines) is named in a warning, not trained and
scored twice unsaid."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.speech import read_manifest
from rnnkit.errors import RnnkitWarning

soundfile = pytest.importorskip("soundfile")


def corpus(folder: Path, lines: list[str]) -> Path:
    for name in ("통화 1.wav", "통화 2.wav"):
        soundfile.write(folder / name, 0.1 * np.ones(800), 8000, subtype="PCM_16")
    (folder / "manifest.tsv").write_text("audio\ttext\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_a_recording_listed_twice_is_named(tmp_path: Path) -> None:
    folder = corpus(tmp_path, ["통화 1.wav\t네 택배입니다", "통화 2.wav\tOTP 번호 123456", "통화 1.wav\t네 택배입니다"])
    with pytest.warns(RnnkitWarning) as caught:
        utts = read_manifest(folder)
    assert len(utts) == 3  # kept: the warning says, the data stays as the user wrote it
    assert [str(w.message) for w in caught] == [
        f"{folder / 'manifest.tsv'}:4: '통화 1.wav' is listed again (first on line 2); lines repeating a recording: "
        "1 of 3, each counted again in training (a split can put it on both sides) and in the error rates"]


def test_distinct_recordings_say_nothing(tmp_path: Path) -> None:
    folder = corpus(tmp_path, ["통화 1.wav\t네", "통화 2.wav\t네"])  # the same transcript is no repeat
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(read_manifest(folder)) == 2
