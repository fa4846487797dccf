"""rnnkit.files.written: the whole new file or the old one, and a device is refused rather than replaced."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnnkit.errors import UserError
from rnnkit.files import written


def test_the_new_file_replaces_the_old_only_when_the_block_ends(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("old")
    with written(path) as tmp:
        tmp.write_text("new")
        assert path.read_text() == "old"
    assert path.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_a_failure_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(KeyboardInterrupt), written(path) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_a_pipe_is_refused_not_replaced_by_a_file(tmp_path: Path) -> None:
    """`rnnkit export DIR --onnx /dev/full` replaced the device with an ONNX file (run as root)."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(UserError, match="pipe: not a regular file"), written(pipe) as tmp:
        tmp.write_text("x")
    assert pipe.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_export_to_a_device_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.cli import main

    pipe = tmp_path / "model.onnx"
    os.mkfifo(pipe)
    data = tmp_path / "d.csv"
    data.write_text("text,label\n" + "".join(f"{'good' if i % 2 else 'bad'} {i},{i % 2}\n" for i in range(30)))
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "run"), "--steps", "2",
                 "--no-progress", "--hidden", "8", "--embedding", "8"]) == 0
    capsys.readouterr()
    assert main(["export", str(tmp_path / "run"), "--onnx", str(pipe)]) == 2
    assert "model.onnx: not a regular file" in capsys.readouterr().err and pipe.is_fifo()
