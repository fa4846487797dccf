"""rnnkit.data.split.validation_folder: an empty name is no corpus folder, not the working directory (mutation audit
round 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.split import validation_folder


def test_an_empty_name_is_not_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for side in ("train", "val"):
        (tmp_path / side).mkdir()
        (tmp_path / side / "manifest.tsv").write_text("path\ttext\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert validation_folder(".") == Path("val")  # the working directory named: its val/
    assert validation_folder("") is None
