"""Mutation audit round 15: ``rnnkit prepare`` (``rnnkit.tasks.prepare``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main


def test_json_says_a_second_prepare_reused_the_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "t.txt"
    text.write_text("héllo héllo\n", encoding="utf-8")
    out = tmp_path / "prep"
    said = []
    for _ in range(2):
        assert main(["prepare", str(text), "--out", str(out), "--json"]) == 0
        said.append(json.loads(capsys.readouterr().out))
    assert [s["encoded"] for s in said] == [True, False]
    assert said[1] == {"text": str(text), "out": str(out), "chars": 12, "vocab_size": 7, "dtype": "uint8",
                       "encoded": False}


def test_the_line_names_the_out_to_train_with(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "t.txt"
    text.write_text("hello\n", encoding="utf-8")
    out = tmp_path / "prep"
    assert main(["prepare", str(text), "--out", str(out)]) == 0
    assert capsys.readouterr().out == (f"{text}: 6 characters, vocabulary 6 (encoded) in {out}; train with "
                                       f"--data {out}\n")


def test_json_names_the_folder_beside_the_text_without_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "t.txt"
    text.write_text("hello\n", encoding="utf-8")
    assert main(["prepare", str(text), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["out"] == str(tmp_path / "t.txt.rnnkit")
