"""``rnnkit transcribe DIR calls/`` refuses the folder and suggests the recordings in it. It always suggested
``calls/*.wav``: for a folder of phone calls saved as FLAC and WAV (or ``.WAV``, which the shell's ``*.wav`` does not
match), the command a user then typed silently left those recordings out. The suggestion now names a pattern for each
ending of the folder's recordings."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.audio_read import read_audio
from rnnkit.errors import UserError


def _refusal(folder: Path) -> str:
    with pytest.raises(UserError) as err:
        read_audio(folder)
    return str(err.value)


def test_each_ending_of_the_recordings_is_suggested(tmp_path: Path) -> None:
    for name in ("a.flac", "b.wav", "c.WAV", "d.flac", "manifest.tsv", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    assert _refusal(tmp_path) == (f"{tmp_path}: is a directory; expected an audio file (give the recordings in it, "
                                  f"e.g. {tmp_path}/*.WAV {tmp_path}/*.flac {tmp_path}/*.wav)")


def test_a_folder_without_recordings_is_given_the_wav_pattern(tmp_path: Path) -> None:
    (tmp_path / "manifest.tsv").write_bytes(b"x")
    assert _refusal(tmp_path).endswith(f"(give the recordings in it, e.g. {tmp_path}/*.wav)")
