"""``rnnkit.fit``'s result after a notebook's ``%cd`` (fixh): its ``out_dir`` was the path as given (``"run"``), so
after ``os.chdir`` elsewhere ``result.model_dir()`` looked in the new working directory and said None (or named
another run's folder). The Python result holds the absolute path; ``rnnkit train`` prints ``--out`` as given."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SETTINGS = {"hidden": 8, "embed_dim": 4, "seq_len": 8, "batch_size": 2, "steps": 2, "verbose": False}


def test_the_result_finds_its_model_after_the_working_directory_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "t.txt").write_text("abcdefgh \n" * 100, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path)
    result = rnnkit.fit("charlm", data="t.txt", out="run", **SETTINGS)
    os.chdir(tmp_path / "elsewhere")  # a notebook's %cd
    assert result.out_dir == tmp_path / "run"
    assert result.model_dir() == tmp_path / "run" / "best"


def test_the_command_line_still_names_out_as_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.txt").write_text("abcdefgh \n" * 100, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["train", "charlm", "--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2",
                 "--steps", "2", "--no-progress", "--data", "t.txt", "--out", "run"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("; model in run")
