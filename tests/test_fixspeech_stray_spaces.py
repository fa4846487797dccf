"""A manifest's audio path with stray spaces around it (``a.wav , hello`` under ``audio,text``, `` a.wav`` under a
tab) was refused as 'no such audio file' alone; where the name without the spaces is a file the refusal says so. The
spaces are not taken out unasked: a file whose name really has them is read by that name."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.speech import read_manifest
from rnnkit.errors import UserError

HINT = "(without the spaces around it) is a file: take the spaces out of the manifest"


def _manifest(folder: Path, text: str, *files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in files:
        (folder / name).write_bytes(b"RIFF")  # read_manifest looks the files up; it does not read them
    (folder / "manifest.tsv").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("text", "name"), [
    ("audio,text\na.wav , hello\n", "a.wav "),
    ("audio\ttext\n a.wav\thello\n", " a.wav"),
    ("audio\ttext\nb.wav\tbye\na.wav  \thello\n", "a.wav  "),
])
def test_a_name_with_stray_spaces_says_the_bare_name_is_a_file(tmp_path: Path, text: str, name: str) -> None:
    folder = _manifest(tmp_path / "c", text, "a.wav", "b.wav")
    number = text.splitlines().index(next(line for line in text.splitlines() if "hello" in line)) + 1
    with pytest.raises(UserError) as refused:
        read_manifest(folder)
    assert str(refused.value) == (f"{folder / 'manifest.tsv'}:{number}: no such audio file {name!r} (paths are "
                                  f"relative to {folder}); 'a.wav' {HINT}")


def test_a_missing_name_with_spaces_gets_no_hint_and_a_name_with_spaces_is_read(tmp_path: Path) -> None:
    folder = _manifest(tmp_path / "c", "audio\ttext\nb.wav \thello\n", "a.wav")
    with pytest.raises(UserError, match=r"no such audio file 'b.wav ' \(paths are relative to [^)]*\)$"):
        read_manifest(folder)
    folder = _manifest(tmp_path / "d", "audio\ttext\n a.wav\thello\n", " a.wav", "a.wav")
    assert [u.audio.name for u in read_manifest(folder)] == [" a.wav"]
