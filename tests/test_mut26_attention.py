"""Mutation audit round 26, where ``translate --attention-png`` says it drew: with ``--output`` (no --json) its line
on stderr beside the translations' line, and with --json --output a summary that names no picture when none was drawn
(a --file of blank lines translates nothing)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main
from tests.test_mut14d_translate_verbs import run  # noqa: F401  # the module's tiny word-level translator
from tests.test_walk37_output_limit import uncut

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_output_in_text_says_both_files(run: tuple[Path, Path], tmp_path: Path,  # noqa: F811
                                        capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run
    png, written = tmp_path / "a.png", tmp_path / "t.txt"
    capsys.readouterr()
    assert main(["translate", str(out), "a b", "--attention-png", str(png), "--output", str(written)]) == 0
    said = capsys.readouterr()
    assert said.out == "" and png.exists()
    assert uncut(said.err) == (f"wrote the attention of the first translation to {png}\n"
                        f"wrote the translations of 1 source to {written}\n")


def test_a_summary_names_no_picture_that_was_not_drawn(run: tuple[Path, Path], tmp_path: Path,  # noqa: F811
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run
    sources, png, written = tmp_path / "src.txt", tmp_path / "a.png", tmp_path / "t.jsonl"
    sources.write_text("\n\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["translate", str(out), "--file", str(sources), "--attention-png", str(png), "--json",
                 "--output", str(written)]) == 0
    assert json.loads(capsys.readouterr().out) == {"output": str(written), "format": "jsonl", "sources": 2}
    assert not png.exists()
