"""Gaps a mutation audit (round 39) found in walk48's experiment tables: results.md's seeds listed up to five, a
cell without an lr of its own shown at the experiment's, the merged report's 'Not run' naming every directory that
did not run a cell, and its 'Not all run alike' comparing a cell's own settings between rows of that cell only; and
``rnnkit info ''`` is no experiment folder, though the working directory is one."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_walk48_experiments_report import _report, _write, doc  # noqa: F401  (the module's fixture)

from rnnkit.errors import UserError
from rnnkit.tasks._experiment_results import cell_lr, seed_numbers
from rnnkit.tasks.info import model_info


def test_five_seeds_are_listed_and_six_a_range() -> None:
    assert seed_numbers({"first_seed": 0, "seeds": 5}) == "5 (0, 1, 2, 3, 4)"
    assert seed_numbers({"first_seed": 2, "seeds": 6}) == "6 (2 to 7)"


def test_a_cell_without_its_own_lr_shows_the_experiments() -> None:
    written = {"settings": {"lr": 0.001, "cell_settings": {"irnn": {"lr": 0.0003}}}}
    assert (cell_lr(written, "irnn"), cell_lr(written, "lstm")) == ("0.0003", "0.001")


def test_a_cell_two_stopped_runs_left_names_both(tmp_path: Path, doc: dict,  # noqa: F811
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    stopped = {**doc, "settings": {**doc["settings"], "cells": ["rnn_tanh", "irnn"]}, "cells_not_run": ["irnn"]}
    r = doc["results"]["rnn_tanh"]
    seed_1 = {**stopped, "results": {"rnn_tanh": {**r, "runs": [{**x, "seed": 1} for x in r["runs"]]}}}
    a, b = _write(tmp_path / "a", stopped), _write(tmp_path / "b", seed_1)
    assert _report().main([a, b]) == 0
    assert f"Not run to the end (the experiment was stopped): irnn, in {a}, {b}." in capsys.readouterr().out


def test_cells_of_their_own_lr_run_alike(tmp_path: Path, doc: dict,  # noqa: F811
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Each cell at its own rate (the IRNN's small one) is the experiment's design, not runs of two settings."""
    own = doc["settings"]["cell_settings"]["rnn_tanh"]
    both = {**doc, "settings": {**doc["settings"], "cell_settings": {"rnn_tanh": own, "irnn": {**own, "lr": 0.0003}}},
            "results": {"rnn_tanh": doc["results"]["rnn_tanh"], "irnn": doc["results"]["rnn_tanh"]}}
    assert _report().main([_write(tmp_path / "a", both)]) == 0
    out = capsys.readouterr().out
    assert "| irnn | 0.0003 |" in out and "Not all run alike" not in out, out


def test_info_of_an_empty_name_is_no_experiment_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "results.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError) as refused:
        model_info("")
    assert "holds results" not in str(refused.value)
