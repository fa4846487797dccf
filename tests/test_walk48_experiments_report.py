"""walk48: benchmarks/experiments_report.py, which README.md says merges an interrupted experiment with the rest run
into another --out, printed the cells the experiment never ran nowhere (an interrupted directory merged alone read as
a finished comparison of the cells it kept), and no trivial baseline (the adding problem's MSE 1/6 of answering 1)
beside the figures, where results.md gives both. Now both lines follow the table."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from rnnkit import strictjson
from rnnkit.tasks import experiments as ex

ROOT = Path(__file__).resolve().parents[1]


def _report():  # noqa: ANN202  (a script's module)
    spec = importlib.util.spec_from_file_location("experiments_report", ROOT / "benchmarks" / "experiments_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def doc() -> dict:
    return ex.run_experiment(ex.Settings(experiment="adding", cells=["rnn_tanh"], steps=1, length=4, hidden=2,
                                         batch_size=2, eval_every=1, eval_size=2, threads=1, seeds=1))


def _write(folder: Path, doc: dict) -> str:
    folder.mkdir()
    (folder / "results.json").write_text(strictjson.dumps(doc))
    return str(folder)


def test_a_cell_the_stopped_experiment_did_not_run_is_named(tmp_path: Path, doc: dict,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    stopped = _write(tmp_path / "a", {**doc, "settings": {**doc["settings"], "cells": ["rnn_tanh", "irnn"]},
                                      "cells_not_run": ["irnn"]})
    assert _report().main([stopped]) == 0
    out = capsys.readouterr().out
    assert f"\n\nNot run to the end (the experiment was stopped): irnn, in {stopped}.\n" in out
    irnn = {**doc, "results": {"irnn": doc["results"]["rnn_tanh"]}}
    rest = _write(tmp_path / "b", irnn)
    assert _report().main([stopped, rest]) == 0  # the rest run into another --out: nothing missing
    out = capsys.readouterr().out
    assert "Not run" not in out and "| irnn |" in out


def test_the_trivial_baseline_follows_the_table(tmp_path: Path, doc: dict, capsys: pytest.CaptureFixture[str]) -> None:
    assert _report().main([_write(tmp_path / "a", doc)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2:] == ["", "Trivial baseline (predict 1 (MSE 1/6)): 0.1667."]
    assert lines[-3].startswith("| rnn_tanh |")
    assert _report().main([_write(tmp_path / "b", {**doc, "baseline": None})]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("| rnn_tanh |")


def test_settings_the_merged_runs_differ_in_are_named(tmp_path: Path, doc: dict,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Cells merged from runs of 15 and 45 minutes, or two rows of one cell at two learning rates, read as one
    comparison: nothing in the table says which budget or rate a row had but the lr column."""
    own = {"irnn": doc["settings"]["cell_settings"]["rnn_tanh"]}
    long = {**doc, "settings": {**doc["settings"], "minutes": 45.0, "cell_settings": own},
            "results": {"irnn": doc["results"]["rnn_tanh"]}}
    assert _report().main([_write(tmp_path / "a", doc), _write(tmp_path / "b", long)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == ["", f"Not all run alike: minutes {doc['settings']['minutes']} (rnn_tanh), 45.0 (irnn)."]
    other = {**doc, "settings": {**doc["settings"], "cell_settings": {
        "rnn_tanh": {**doc["settings"]["cell_settings"]["rnn_tanh"], "lr": 0.01}}}}
    assert _report().main([_write(tmp_path / "c", doc), _write(tmp_path / "d", other)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Not all run alike: rnn_tanh's lr 0.001, 0.01."
    assert _report().main([str(tmp_path / "a")]) == 0
    assert "Not all run alike" not in capsys.readouterr().out
