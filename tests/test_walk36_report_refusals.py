"""``rnnkit report`` of a mistyped or empty experiment folder said 'expected a run directory written by `rnnkit
train`' or 'not a model directory (expected config.json and model.safetensors ...)', as if an experiment's or a
diagnose's folder were not one it reads (docs/REPORT.md: `rnnkit report runs/adding`); now each refusal names
the three commands whose --out it takes (walk36)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

KINDS = "expected a run directory of `rnnkit train`, `rnnkit experiment` or `rnnkit diagnose`"


def _refused(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_a_missing_folder_or_a_file_names_every_command_report_reads(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert _refused(["report", str(tmp_path / "adding")], capsys) == (
        f"rnnkit: error: {tmp_path / 'adding'}: no such directory; {KINDS}\n")
    (tmp_path / "results.json").write_text("{}", encoding="utf-8")
    assert _refused(["report", str(tmp_path / "results.json")], capsys) == (
        f"rnnkit: error: {tmp_path / 'results.json'}: a file; {KINDS}\n")


def test_a_folder_without_any_run_says_which_files_it_looked_for(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    assert _refused(["report", str(tmp_path)], capsys) == (
        f"rnnkit: error: {tmp_path}: no run in it (config.json and model.safetensors, results.json or "
        f"diagnose.json); {KINDS}\n")
    assert not (tmp_path / "report.html").exists()
