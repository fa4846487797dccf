"""``rnnkit report`` refuses a page it cannot write in the words every writer of rnnkit uses (fixi): ``PATH: cannot
write (why)`` from :func:`rnnkit.data.utf8.unwritable`, the system's reason told; it said ``RUN: cannot write
report.html in it (read-only, or not yours)``, a guess at the reason in words of its own; ``evaluate`` a third."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnnkit.errors import UserError
from rnnkit.files import write_refusal
from rnnkit.report import page_path


def _not_writable(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """``folder`` as a read-only share or another user's folder shows it (the tests may run as root)."""
    real = os.access

    def access(path: str | os.PathLike[str], mode: int, **kwargs: object) -> bool:
        return not (mode & os.W_OK and Path(path).resolve() == folder.resolve()) and real(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)


def test_the_default_page_and_an_output_are_refused_as_every_writer_says_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = tmp_path / "run"
    run.mkdir()
    _not_writable(monkeypatch, run)
    with pytest.raises(UserError) as refused:
        page_path(run, None, [])
    assert str(refused.value) == (f"{run / 'report.html'}: cannot write (Permission denied); give --output FILE to "
                                  "write the page elsewhere")
    with pytest.raises(UserError) as refused:
        page_path(run, run / "sub" / "page.html", [])  # a folder still to make: the one above it is the reason
    assert str(refused.value) == f"{run / 'sub' / 'page.html'}: cannot write (Permission denied); give another --output"
    assert page_path(run, tmp_path / "page.html", []) == tmp_path / "page.html"


def test_a_read_only_mount_is_said_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _not_writable(monkeypatch, tmp_path)
    real = os.statvfs

    class ReadOnly:
        def __init__(self, path: str | os.PathLike[str]) -> None:
            self.f_flag = real(path).f_flag | os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs", ReadOnly)
    refusal = write_refusal(tmp_path / "page.html", "give another --output")
    assert refusal is not None
    assert str(refusal) == f"{tmp_path / 'page.html'}: cannot write (Read-only file system); give another --output"
    assert write_refusal(tmp_path.parent / "page.html") is None


def test_evaluate_s_default_drawing_is_left_out_in_the_same_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``rnnkit evaluate`` of a model on a read-only share warned 'cannot write in DIR; ...', a third wording."""
    import argparse

    from rnnkit.tasks import _text

    (tmp_path / "model").mkdir()
    _not_writable(monkeypatch, tmp_path / "model")
    assert _text.evaluation_png(argparse.Namespace(png=None, dir=str(tmp_path / "model"))) is None
    assert capsys.readouterr().err == (f"rnnkit: warning: {tmp_path / 'model' / 'confusion.png'}: cannot write "
                                       "(Permission denied); the confusion matrix is not drawn (give --png FILE to "
                                       "draw it elsewhere)\n")
