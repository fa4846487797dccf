"""Mutation audit round 15: ``rnnkit data scam`` (``rnnkit.tasks.corpora``)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rnnkit.cli import main


@pytest.mark.parametrize("flag", ["--train", "--val", "--test"])
def test_a_part_of_no_rows_is_refused_by_its_flag(flag: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    sizes = {"--train": "2", "--val": "2", "--test": "2", flag: "0"}
    assert main(["data", "scam", "--out", str(tmp_path / "c"), *[x for kv in sizes.items() for x in kv]]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {flag} 0: expected a positive number of rows\n"
    assert not (tmp_path / "c").exists()


def test_each_file_holds_the_rows_of_its_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "c"
    assert main(["data", "scam", "--out", str(out), "--train", "4", "--val", "3", "--test", "1"]) == 0
    for name, rows in (("train.csv", 4), ("val.csv", 3), ("test.csv", 1)):
        with open(out / name, encoding="utf-8", newline="") as fh:
            assert len(list(csv.DictReader(fh))) == rows, name


def test_the_default_sizes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "c"
    assert main(["data", "scam", "--out", str(out)]) == 0
    assert capsys.readouterr().out == (f"wrote 2800 call transcripts to {out}: train.csv 2000, val.csv 300, "
                                       "test.csv 500\n")
