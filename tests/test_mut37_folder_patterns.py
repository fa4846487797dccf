"""Mutation round 37: a folder given as a recording is refused with a pattern for each ending of its recordings,
the endings that name no libsndfile format (``.opus``, ``.aif``, ``.wave``) among them: those recordings were left
out of the suggested command, as ``*.wav`` alone had left ``.flac`` ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.audio_read import read_audio
from rnnkit.errors import UserError


def test_endings_beside_libsndfiles_format_names_are_suggested(tmp_path: Path) -> None:
    for name in ("a.opus", "b.AIF", "c.wave", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    with pytest.raises(UserError) as err:
        read_audio(tmp_path)
    assert str(err.value).endswith(f"e.g. {tmp_path}/*.AIF {tmp_path}/*.opus {tmp_path}/*.wave)")
