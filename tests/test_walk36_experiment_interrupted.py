"""An ``rnnkit experiment`` stopped (Ctrl-C) before its first cell finished said only 'rnnkit: interrupted', where
one stopped later says which cells its results keep: the user was left to look for results that were not there
(the folder it made is taken away again, an --overwrite's earlier results are gone); now one line says that
nothing was kept (walk36)."""

from __future__ import annotations

import unittest.mock
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.tasks import experiments as ex


def _interrupted(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


def test_an_experiment_stopped_before_its_first_cell_says_nothing_was_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "exp"
    with unittest.mock.patch.object(ex, "run_one", _interrupted):
        assert main(["experiment", "adding", "--cells", "gru,lstm", "--length", "6", "--hidden", "4", "--steps", "1",
                     "--seeds", "1", "--quiet", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert err == (f"rnnkit experiment: stopped before its first cell, gru, finished: no results in {out}\n"
                   "rnnkit: interrupted\n")
    assert not out.exists()
