"""The problems of ``rnnkit experiment``: the line each describes itself in and its baseline, the copy task's one-hot
input, the waveform's batches, metric and every-step output, a digit run's document, the refusal of a waveform too
long, the defaults against the shipped configs and RESULTS.md (mutation audit round 16)."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import pytest
import torch

from rnnkit.cli import main
from rnnkit.tasks import experiments as ex
from rnnkit.tasks._experiment_problems import EXPERIMENTS, Adding, Copy, Digits, Waveform
from rnnkit.tasks._experiment_settings import SETTING_KEYS
from tests.test_mut14d_experiment_problems import _Const, _digit_dir


def test_each_problem_describes_its_own_settings(tmp_path: Path) -> None:
    s = ex.Settings(experiment="adding", cells=["lstm"], length=12, eval_size=7, batch_size=3)
    assert Adding(s).describe() == "adding problem, T = 12, fresh training batches, 7 test sequences"
    s = ex.Settings(experiment="copy", cells=["lstm"], length=5, eval_size=4, batch_size=2)
    copy = Copy(s)
    assert copy.describe() == ("copy task: 10 symbols of 8, delay 5, accuracy on the 10 recalled steps of 4 test "
                               "sequences")
    assert (copy.baseline, copy.baseline_label) == (0.125, "guess one symbol (1/8)")  # results.md's trivial baseline
    s = ex.Settings(experiment="clockwork-waveform", cells=["lstm"], length=9, params=300, hidden=7)
    assert Waveform(s).describe() == ("clockwork waveform: 9 samples from no input (a start pulse at t = 0), models "
                                      "matched to about 300 parameters")
    folder = _digit_dir(tmp_path / "digits", 40)
    s = ex.Settings(experiment="pixel-mnist", cells=["lstm"], idx_dir=str(folder), max_test=10)
    digits = Digits(s, "pixel")
    assert digits.describe() == f"pixel MNIST (784 steps of 1), {digits.source}: 30 train / 10 test images"


def test_the_copy_input_is_one_hot_over_the_symbols_the_blank_and_the_go_marker() -> None:
    copy = Copy(ex.Settings(experiment="copy", cells=["lstm"], length=3, eval_size=2, batch_size=64))
    x, _ = copy.train_batch(0, torch.Generator().manual_seed(0))
    assert copy.input_size == copy.num_symbols + 2
    assert bool((x.sum(dim=(0, 1)) > 0).all())  # every column is read: none is dead weight in the model


def test_the_waveform_trains_and_is_scored_on_the_mse_of_its_whole_output() -> None:
    wave = Waveform(ex.Settings(experiment="clockwork-waveform", cells=["lstm"], length=16))
    x, y = wave.train_batch(0, torch.Generator())
    assert x is wave.x and y is wave.target  # every batch is the pulse and the waveform
    off = wave.target + 0.5
    off[0, 0, 0] += 0.5  # one step 1.0 off, the rest 0.5: an MSE of (0.25 * 15 + 1) / 16, an L1 loss of 0.53125
    assert wave.evaluate(_Const(off)) == pytest.approx(4.75 / 16)
    assert float(wave.loss(off, wave.target)) == pytest.approx(4.75 / 16)


def test_the_waveform_model_writes_every_step_and_learns_from_all_of_them() -> None:
    """Its loss compares the whole waveform with a whole output: a model writing its last step alone would be
    broadcast against every sample."""
    s = ex.Settings(experiment="clockwork-waveform", cells=["rnn_tanh"], length=12, hidden=3, steps=1,
                    eval_every=1)
    wave = Waveform(s)
    shapes: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    loss = wave.loss
    wave.loss = lambda pred, y: shapes.append((tuple(pred.shape), tuple(y.shape))) or loss(pred, y)  # type: ignore[method-assign]
    ex.run_one(wave, s, "rnn_tanh", 0)
    assert shapes and set(shapes) == {((1, 12, 1), (1, 12, 1))}


def test_a_digit_experiment_reports_an_accuracy_where_higher_is_better(tmp_path: Path) -> None:
    folder = _digit_dir(tmp_path / "digits", 40)
    s = ex.Settings(experiment="row-mnist", cells=["gru"], idx_dir=str(folder), max_test=10, steps=0, hidden=3)
    doc = ex.run_experiment(s)
    assert (doc["metric"], doc["higher_is_better"]) == ("accuracy", True)
    assert (doc["baseline"], doc["baseline_label"]) == (0.1, "chance (10 classes)")


def test_a_waveform_too_long_to_hold_names_the_waveform_alone_without_training(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("rnnkit.train.memory.free_memory", lambda device: 10**9)  # a machine of 1 GB
    out = tmp_path / "o"
    assert main(["experiment", "clockwork-waveform", "--length", "1000000000", "--steps", "0", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnkit: error: --length 1000000000: the waveform take at least "), err
    assert not out.exists()


ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("name", "config"), [
    ("adding", "adding-200"), ("copy", "copy-100"), ("clockwork-waveform", "clockwork-waveform"),
    ("row-mnist", "row-mnist"), ("pixel-mnist", "pixel-mnist"), ("permuted-pixel-mnist", "permuted-pixel-mnist")])
def test_a_bare_experiment_runs_the_settings_of_its_shipped_comparison(name: str, config: str) -> None:
    """``rnnkit experiment NAME`` without a config is the published comparison's run (its cells aside): the same
    budget, sizes, test set, early stop, schedule, precision and each cell's own settings as
    ``experiments/CONFIG.toml`` (a bare pixel run had the LSTM at lr 1e-3 and a constant rate: at chance)."""
    path = ROOT / "experiments" / f"{config}.toml"
    keys = [k for k in tomllib.loads(path.read_text(encoding="utf-8")) if k in SETTING_KEYS and k != "cells"]
    p = argparse.ArgumentParser()
    ex.add_arguments(p)
    bare = ex.settings_from_args(p.parse_args([name, "--out", "x"]))
    shipped = ex.settings_from_args(p.parse_args(["--out", "x", "--config", str(path)]))
    assert "minutes" in keys and {k: getattr(bare, k) for k in keys} == {k: getattr(shipped, k) for k in keys}
    assert {c: bare.for_cell(c) for c in shipped.cells} == {c: shipped.for_cell(c) for c in shipped.cells}


def test_a_configs_cell_table_adds_to_the_experiments_own_key_by_key(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('experiment = "pixel-mnist"\n[cell.lstm]\nhidden = 64\n[cell.gru]\nlr = 0.002\n', encoding="utf-8")
    p = argparse.ArgumentParser()
    ex.add_arguments(p)
    s = ex.settings_from_args(p.parse_args(["--out", "x", "--config", str(path), "--cells", "lstm,gru,irnn"]))
    assert (s.for_cell("lstm")["lr"], s.for_cell("lstm")["hidden"]) == (5e-4, 64)
    assert (s.for_cell("gru")["lr"], s.for_cell("irnn")["lr"]) == (0.002, 1e-4)
    forced = ex.settings_from_args(p.parse_args(["pixel-mnist", "--out", "x", "--lr", "0.003"]))
    assert {forced.for_cell(c)["lr"] for c in forced.cells} == {0.003}   # a flag still sets every cell


@pytest.mark.parametrize(("name", "steps"), [("pixel-mnist", 784), ("permuted-pixel-mnist", 784), ("row-mnist", 28)])
def test_a_digit_experiment_records_the_length_its_images_are_read_in(name: str, steps: int, tmp_path: Path) -> None:
    folder = _digit_dir(tmp_path / "digits", 20)
    digits = EXPERIMENTS[name].make(ex.Settings(experiment=name, cells=["lstm"], idx_dir=str(folder)))
    assert digits.train_x.shape[1] == steps == EXPERIMENTS[name].defaults["length"]


def test_the_published_digit_numbers_are_those_results_md_compares_with() -> None:
    """docs/RESULTS.md's table of the pixel and permuted-pixel runs shows each cell's published accuracy."""
    text = (ROOT / "docs" / "RESULTS.md").read_text(encoding="utf-8")
    rows = {"LSTM": "lstm", "IRNN": "irnn", "tanh RNN": "rnn_tanh"}
    header = "| cell | pixel MNIST, rnnkit (12 min, 1 seed) |"
    table = text[text.index(header):].split("\n\n")[0].splitlines()[2:]
    for line in table:
        cells = [c.strip() for c in line.strip("|").split("|")]
        cell = rows[cells[0]]
        published = (EXPERIMENTS[e].published[cell].replace("%", " %") for e in ("pixel-mnist", "permuted-pixel-mnist"))
        assert (cells[3], cells[6]) == tuple(published), line
    assert len(table) == 3
