"""``rnnkit prepare TEXT --out DIR`` where DIR cannot be written (fixh) ended with "; run `rnnkit prepare TEXT --out
DIR` and train with --data DIR": the advice of the preparation inside ``rnnkit train``, odd after the very command it
names. With an ``--out`` given, the line now says to give another; without one (the folder beside the text, or the
cache, cannot be written), ``rnnkit prepare`` and ``rnnkit train`` still say to prepare into a folder of one's own."""

from __future__ import annotations

import pathlib
from pathlib import Path

import pytest

from rnnkit.cli import main


@pytest.fixture
def unwritable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder under ``tmp_path/ro``, where mkdir fails as on a read-only disk (the tests may run as root)."""
    ro = tmp_path / "ro"
    real = pathlib.Path.mkdir

    def mkdir(self: Path, *args: object, **kwargs: object) -> None:
        if self == ro or ro in self.parents:
            raise PermissionError(13, "Permission denied", str(self))
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pathlib.Path, "mkdir", mkdir)
    return ro / "prep"


def test_prepare_into_an_unwritable_out_says_to_give_another(
        tmp_path: Path, unwritable: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "t.txt"
    text.write_text("abc\n", encoding="utf-8")
    assert main(["prepare", str(text), "--out", str(unwritable)]) == 2
    assert capsys.readouterr().err.strip() == (f"rnnkit: error: {unwritable}: cannot write (Permission denied); "
                                               "give another --out, a folder you can write")


def test_train_s_own_preparation_still_says_to_prepare_elsewhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unwritable: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.data import prepared

    text = tmp_path / "t.txt"
    text.write_text("abcdefgh \n" * 100, encoding="utf-8")
    monkeypatch.setattr(prepared, "_default_out", lambda text: unwritable)
    assert main(["train", "charlm", "--steps", "1", "--data", str(text), "--out", str(tmp_path / "run")]) == 2
    assert capsys.readouterr().err.strip().endswith(
        f"{unwritable}: cannot write (Permission denied); run `rnnkit prepare {text} --out DIR` and train with "
        "--data DIR")
