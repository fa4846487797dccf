"""Mutation round 30 of manifest.tsv's reading (walk34): a name as written wins over its Windows reading; a Mac's
(NFD) file under a folder named with Windows's ``\\`` is found; a recording listed again is known by its file, not
its spelling, and the first repeat is the one named; ``rnnkit train speech`` says the repeat as its warnings."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from rnnkit.cli import main
from rnnkit.data.speech import read_manifest
from rnnkit.errors import RnnkitWarning

soundfile = pytest.importorskip("soundfile")


def manifest(folder: Path, rows: list[str]) -> Path:
    (folder / "manifest.tsv").write_text("audio\ttext\n" + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return folder


def recording(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, 0.2 * np.sin(np.arange(8000) / 3.0), 8000, subtype="PCM_16")
    return path


def test_the_name_as_written_wins_over_its_windows_reading(tmp_path: Path) -> None:
    as_written = recording(tmp_path / "sub\\a.wav")  # a file whose name holds a backslash, on this system
    recording(tmp_path / "sub" / "a.wav")
    assert [u.audio for u in read_manifest(manifest(tmp_path, ["sub\\a.wav\t네"]))] == [as_written]


def test_a_mac_s_file_under_a_windows_path_is_found(tmp_path: Path) -> None:
    mac = recording(tmp_path / unicodedata.normalize("NFD", "상담") / unicodedata.normalize("NFD", "통화.wav"))
    assert [u.audio for u in read_manifest(manifest(tmp_path, ["상담\\통화.wav\t네"]))] == [mac]


def test_a_recording_is_listed_again_by_its_file_and_the_first_repeat_is_named(tmp_path: Path) -> None:
    recording(tmp_path / "sub" / "a.wav")
    recording(tmp_path / "b.wav")
    rows = ["sub/a.wav\t네", "b.wav\t네", "sub\\a.wav\t네", "b.wav\t네"]  # line 4 is sub/a.wav again, by another name
    with pytest.warns(RnnkitWarning) as caught:
        assert len(read_manifest(manifest(tmp_path, rows))) == 4
    assert [str(w.message).split(";")[0] for w in caught] == [
        f"{tmp_path / 'manifest.tsv'}:4: 'sub\\\\a.wav' is listed again (first on line 2)"]
    assert "lines repeating a recording: 2 of 4" in str(caught[0].message)


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng to phonemize")
def test_train_says_a_repeat_as_a_warning_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "calls"
    recording(data / "a.wav")
    recording(data / "b.wav")
    manifest(data, ["a.wav\thello", "b.wav\tyes", "a.wav\thello"])
    assert main(["train", "speech", "--data", str(data), "--out", str(tmp_path / "asr"), "--steps", "1", "--hidden",
                 "4", "--layers", "1", "--val-fraction", "0", "--no-progress"]) == 0
    assert f"rnnkit: warning: {data / 'manifest.tsv'}:4: 'a.wav' is listed again (first on line 2)" in (
        capsys.readouterr().err)
