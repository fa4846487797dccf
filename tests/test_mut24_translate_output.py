"""Mutation audit round 24 of ``rnnkit translate --output FILE --json``: the object it prints counts every source of a
--file, its blank lines too (each is a line of the written file), and names the output as the user wrote it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main
from tests.test_fixc_translate_output import translator  # noqa: F401  # the module's tiny character translator

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_json_counts_a_files_blank_lines_as_the_file_written_holds_them(
        translator: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    sources, target = tmp_path / "src.txt", tmp_path / "out.jsonl"
    sources.write_text("ab\n\nba\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["translate", str(translator), "--file", str(sources), "--output", str(target), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"output": str(target), "format": "jsonl", "sources": 3}
    assert len(target.read_text(encoding="utf-8").splitlines()) == 3


def test_the_json_names_a_relative_output_as_given(translator: Path, tmp_path: Path,  # noqa: F811
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["translate", str(translator), "ab", "--output", "out.jsonl", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["output"] == "out.jsonl"
    assert (tmp_path / "out.jsonl").is_file()
