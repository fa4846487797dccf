"""One --out, one command's results: ``rnnkit diagnose`` into an ``rnnkit experiment``'s folder (or the other way
round) wrote beside the other's results, and ``rnnkit report`` then drew only the experiment's page, the
diagnose's plots left out without a word (walk36)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main

DIAGNOSE = ["diagnose", "--cells", "rnn_tanh", "--length", "6", "--hidden", "4", "--train-steps", "0",
            "--clip-steps", "1", "--clip-length", "6"]
EXPERIMENT = ["experiment", "adding", "--cells", "rnn_tanh", "--length", "6", "--hidden", "4", "--steps", "1",
              "--eval-every", "1", "--eval-size", "4", "--seeds", "1", "--quiet"]


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_diagnose_into_an_experiments_out_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      overwrite: list[str]) -> None:
    """Refused in one line naming the experiment's results.json, --overwrite too (it replaces diagnose's own files
    only), and the experiment's results are kept."""
    (tmp_path / "results.json").write_text('{"kept": 1}', encoding="utf-8")
    assert main([*DIAGNOSE, "--out", str(tmp_path), *overwrite]) == 2
    err = capsys.readouterr().err
    assert err == (f"rnnkit: error: --out {tmp_path}: holds rnnkit experiment's results.json, and rnnkit report "
                   "draws the results of one command from a folder; give another --out\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]
    assert json.loads((tmp_path / "results.json").read_text(encoding="utf-8")) == {"kept": 1}


def test_an_experiment_into_a_diagnoses_out_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same the other way round: the diagnose's numbers stay, nothing of the experiment is written."""
    (tmp_path / "diagnose.json").write_text("{}", encoding="utf-8")
    assert main([*EXPERIMENT, "--out", str(tmp_path), "--overwrite"]) == 2
    assert "holds rnnkit diagnose's diagnose.json" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["diagnose.json"]


def test_each_still_runs_into_a_folder_of_its_own_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The refusal is for the other command's results only: a diagnose with --overwrite replaces its own."""
    (tmp_path / "diagnose.json").write_text("{}", encoding="utf-8")
    assert main([*DIAGNOSE, "--out", str(tmp_path), "--overwrite", "--json"]) == 0
    assert "rnn_tanh" in json.loads((tmp_path / "diagnose.json").read_text(encoding="utf-8"))["cells"]
