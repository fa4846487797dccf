"""benchmarks/experiments_report.py said of a cell a stopped experiment did not finish 'Not run (the experiment was
stopped before it)', where results.md and the report page say 'Not run to the end (the experiment was stopped)': the
cell at work when the experiment was stopped is among those cells, begun, so 'stopped before it' was untrue of it.
All three now write the one sentence (``not_run_line``; results.md's and the page's are pinned in
tests/test_experiments.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from rnnkit import strictjson

ROOT = Path(__file__).resolve().parents[1]

#: a results.json of a digits experiment stopped while its second cell ran (its first cell's one run)
STOPPED = {"experiment": "pmnist", "metric": "accuracy", "baseline": None, "cells_not_run": ["irnn"],
           "settings": {"cells": ["rnn_tanh", "irnn"], "lr": 0.001},
           "results": {"rnn_tanh": {"hidden": 2, "parameters": 17, "runs": [
               {"seed": 0, "metric": 0.5, "steps": 1, "seconds": 0.1, "stopped": "steps"}]}}}


def test_the_merge_names_an_unfinished_cell_as_results_md_does(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "results.json").write_text(strictjson.dumps(STOPPED))
    spec = importlib.util.spec_from_file_location("experiments_report", ROOT / "benchmarks" / "experiments_report.py")
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    assert report.main([str(tmp_path)]) == 0
    assert f"\n\nNot run to the end (the experiment was stopped): irnn, in {tmp_path}.\n" in capsys.readouterr().out
