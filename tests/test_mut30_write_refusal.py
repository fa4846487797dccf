"""Mutation round 30 of files.write_refusal (fixi): where the system has no ``statvfs`` (Windows), a folder that
cannot be written into is said ``Permission denied``, not a traceback of the missing function."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnnkit.files import write_refusal
from tests.test_fixi_report_unwritable import _not_writable


def test_a_system_without_statvfs_says_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _not_writable(monkeypatch, tmp_path)
    monkeypatch.delattr(os, "statvfs")
    refusal = write_refusal(tmp_path / "page.html", "give another --output")
    assert str(refusal) == f"{tmp_path / 'page.html'}: cannot write (Permission denied); give another --output"
