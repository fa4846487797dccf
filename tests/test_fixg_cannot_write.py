"""A file or folder that cannot be written is said in one wording everywhere (fixg): ``PATH: cannot write (why)``,
as :func:`rnnkit.data.utf8.unreadable` says ``PATH: cannot read (why)``. Before, the same failure read "cannot write
there", "cannot write the folder there", "cannot write the prepared text there" or "could not save the
checkpoint", each line built by hand."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from rnnkit.cli import main
from rnnkit.data import folders, prepared
from rnnkit.errors import UserError
from rnnkit.files import written
from rnnkit.train import checkpoint


def _refused(*args: object, **kwargs: object) -> None:
    raise PermissionError(errno.EACCES, "Permission denied")


def _written(out: Path) -> None:
    with written(out) as tmp:
        tmp.write_text("x")


def _run_lock(out: Path) -> None:
    with checkpoint.run_lock(out):
        pass


def _new_folder(out: Path) -> None:
    with folders.new_folder(out):
        pass


def _prepared(out: Path) -> None:
    text = out.parent / "t.txt"
    text.write_text("hello\n", encoding="utf-8")
    prepared.prepare_text(text, out)


def _checkpoint(out: Path) -> None:
    checkpoint.save_checkpoint(out, model_state={"w": torch.zeros(2)}, config={"v": 1})


@pytest.mark.parametrize(("write", "then"), [
    (_written, ""), (_run_lock, ""), (_new_folder, ""), (_checkpoint, "; nothing was saved there"),
    (_prepared, "; give another --out, a folder you can write"),  # fixh: prepare_text given its out
])
def test_every_writer_says_cannot_write_and_the_system_s_reason(
        write: Callable[[Path], None], then: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The system refuses each writer's first step (as a read-only folder does, also when the tests run as root)."""
    out = tmp_path / "out"
    monkeypatch.setattr(Path, "mkdir", _refused)
    monkeypatch.setattr("rnnkit.files._temporary", _refused)
    monkeypatch.setattr(checkpoint.tempfile, "mkdtemp", _refused)
    with pytest.raises(UserError) as info:
        write(out)
    assert str(info.value).startswith(f"{out}: cannot write (Permission denied){then}"), info.value
    assert not out.exists()


@pytest.mark.parametrize("argv", [
    ["data", "shapes", "--out", "OUT", "--images", "10"],
    ["data", "dates", "--out", "OUT", "--pairs", "4"],
    ["prepare", "TEXT", "--out", "OUT"],
])
def test_a_read_only_folder_is_said_so(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "t.txt"
    text.write_text("hello\n", encoding="utf-8")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    if os.access(folder, os.W_OK):
        folder.chmod(0o700)
        pytest.skip("this user writes into a read-only folder (root)")
    out = folder / "out"
    try:
        assert main([a.replace("OUT", str(out)).replace("TEXT", str(text)) for a in argv]) == 2
    finally:
        folder.chmod(0o700)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ": cannot write (Permission denied)" in err, err
    with contextlib.suppress(FileNotFoundError):
        assert not any(folder.iterdir())
