"""A call centre's manifest.tsv, written on Windows (BOM, CRLF, ``sub\\name.wav``) with Korean file names: every
recording it lists is found, and a folder listed as a recording is called a folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.speech import read_manifest
from rnnkit.errors import UserError

soundfile = pytest.importorskip("soundfile")


def recording(path: Path, rate: int = 8000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, 0.1 * np.sin(np.arange(rate // 2) / 3.0), rate, subtype="PCM_16", format="WAV")
    return path


def write_manifest(folder: Path, rows: list[tuple[str, str]]) -> None:
    lines = ["audio\ttext", *(f"{a}\t{t}" for a, t in rows)]
    (folder / "manifest.tsv").write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))


def test_windows_folder_separators_are_read(tmp_path: Path) -> None:
    first = recording(tmp_path / "상담" / "통화 01.WAV")
    second = recording(tmp_path / "top.wav", 16000)
    write_manifest(tmp_path, [("상담\\통화 01.WAV", "고객님 OTP 번호 불러주세요"), ("top.wav", "네 택배입니다")])
    utts = read_manifest(tmp_path)
    assert [u.audio for u in utts] == [first, second]
    assert [u.text for u in utts] == ["고객님 OTP 번호 불러주세요", "네 택배입니다"]


def test_a_folder_listed_is_called_a_folder(tmp_path: Path) -> None:
    recording(tmp_path / "sub" / "a.wav")
    write_manifest(tmp_path, [("sub/a.wav", "네"), ("sub", "여보세요")])
    with pytest.raises(UserError) as err:
        read_manifest(tmp_path)
    said = f"manifest.tsv:3: 'sub' is a directory, not an audio file (paths are relative to {tmp_path})"
    assert said in str(err.value)


def test_a_missing_recording_is_still_refused(tmp_path: Path) -> None:
    write_manifest(tmp_path, [("sub\\gone.wav", "네")])
    with pytest.raises(UserError, match=r"manifest.tsv:2: no such audio file 'sub\\\\gone.wav'"):
        read_manifest(tmp_path)
