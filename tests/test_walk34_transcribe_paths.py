"""`rnnkit transcribe DIR` given a folder of recordings, or a recording's name typed in the other Unicode spelling
than the one it has on disk (named on a Mac, NFD)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.audio import read_wav
from rnnkit.errors import UserError

soundfile = pytest.importorskip("soundfile")


def test_a_name_typed_in_the_other_unicode_spelling_is_read(tmp_path: Path) -> None:
    typed = tmp_path / "보이스피싱 통화 1.WAV"  # NFC, as typed
    on_disk = Path(unicodedata.normalize("NFD", str(typed)))  # as macOS names it: Hangul as jamo
    assert on_disk != typed
    soundfile.write(on_disk, 0.2 * np.ones(800), 8000, subtype="PCM_16", format="WAV")
    if typed.exists():
        pytest.skip("this file system finds either spelling itself")
    wave, rate = read_wav(typed)
    assert (len(wave), rate) == (800, 8000)
    with pytest.raises(UserError, match="no such file"):
        read_wav(tmp_path / "없는 통화.wav")


def test_a_folder_of_recordings_is_refused_saying_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(UserError) as err:
        read_wav(tmp_path)
    assert str(err.value) == (f"{tmp_path}: is a directory; expected an audio file (give the recordings in it, e.g. "
                              f"{tmp_path / '*.wav'})")
