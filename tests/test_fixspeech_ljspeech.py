"""LJSpeech's ``metadata.csv`` (``ID|transcript|normalized transcript``, no audio path, the recordings in
``wavs/ID.wav``) given as a speech corpus, itself or as its folder, was refused as 'not a speech corpus' with no hint;
it is refused in one line with the command that writes the manifest rnnkit reads, and that command, run by a shell
(awk), writes a manifest read back with every recording and its normalized transcript."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.speech import read_manifest
from rnnkit.errors import UserError

ROWS = [("LJ001-0001", "Printing, in the only sense", "Printing, in the only sense"),
        ("LJ001-0002", "in 1500 \"so\" said", "in fifteen hundred \"so\" said"),
        ("LJ001-0003", "Mr. Smith's book", "Mister Smith's book")]


def _ljspeech(root: Path) -> Path:
    (root / "wavs").mkdir(parents=True)
    for row in ROWS:
        (root / "wavs" / f"{row[0]}.wav").write_bytes(b"RIFF")  # read_manifest looks the files up, not into them
    (root / "metadata.csv").write_text("".join("|".join(row) + "\n" for row in ROWS), encoding="utf-8")
    return root


@pytest.mark.parametrize("given", ["metadata.csv", "."])
def test_ljspeech_metadata_is_refused_with_the_command_that_writes_the_manifest(tmp_path: Path, given: str) -> None:
    root = _ljspeech(tmp_path / "LJ Speech-1.1")  # a space in the folder's name: the command quotes it
    with pytest.raises(UserError) as refused:
        read_manifest(root / given)
    message = str(refused.value)
    assert "\n" not in message and message.startswith(f"{root / 'metadata.csv'}: LJSpeech's metadata"), message
    if shutil.which("bash") is None or shutil.which("awk") is None:
        pytest.skip("no bash or awk to run the command")
    command = re.search(r"`([^`]+)`", message)[1]
    subprocess.run(["bash", "-c", command], check=True, cwd=tmp_path)
    utts = read_manifest(root)
    assert [(u.audio, u.text) for u in utts] == [(root / "wavs" / f"{r[0]}.wav", r[2]) for r in ROWS]


def test_the_cli_says_it_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _ljspeech(tmp_path / "LJ")
    assert main(["train", "speech", "--data", str(root), "--out", str(tmp_path / "run"), "--steps", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "awk -F'|'" in err[0] and err[0].endswith(f"then give the folder {root}"), err


def test_other_refusals_are_left_as_they_were(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"notes.csv: not a speech corpus \(a file;"):
        read_manifest(tmp_path / "notes.csv")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match=r"empty: not a speech corpus \(expected"):
        read_manifest(tmp_path / "empty")
