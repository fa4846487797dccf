"""``read_audio`` of a folder names the recordings' endings it holds, which it reads off soundfile's list of
formats: where soundfile (the ``speech`` extra) is not installed, ``rnnkit transcribe DIR calls/`` ended in a
ModuleNotFoundError traceback in place of the one line that the folder is no audio file. The endings rnnkit knows by
their first bytes stand in for soundfile's list then."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rnnkit.data.audio_read import read_audio
from rnnkit.errors import UserError


def test_a_folder_is_refused_in_one_line_without_soundfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a.flac", "b.wav", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    monkeypatch.setitem(sys.modules, "soundfile", None)  # import soundfile raises ImportError
    with pytest.raises(UserError) as err:
        read_audio(tmp_path)
    assert str(err.value).endswith(f"(give the recordings in it, e.g. {tmp_path}/*.flac {tmp_path}/*.wav)")
