"""walk54: an experiment's own settings from Python, ``settings_for(NAME, ...)``.

``Settings(experiment="clockwork-waveform", cells=[...])``, the only way to build an experiment's settings in Python,
had none of the experiment's own: a 100-sample waveform, no parameter matching (hidden 100 for every cell), lr 1e-3,
no clock periods; a pixel-MNIST one a 5-minute constant-rate fp32 run with the LSTM at lr 1e-3 (at chance). Its
docstring said "defaults per experiment". ``settings_for`` gives what ``rnnkit experiment NAME`` runs, its values
over them as flags, checked as the CLI checks them.
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import pytest

from rnnkit.errors import UserError
from rnnkit.tasks import experiments as ex

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("name", "config"), [("clockwork-waveform", "clockwork-waveform"),
                                              ("pixel-mnist", "pixel-mnist"), ("adding", "adding-200")])
def test_settings_for_is_the_shipped_comparison(name: str, config: str) -> None:
    path = ROOT / "experiments" / f"{config}.toml"
    keys = [k for k in tomllib.loads(path.read_text(encoding="utf-8")) if k in ex.SETTING_KEYS and k != "cells"]
    p = argparse.ArgumentParser()
    ex.add_arguments(p)
    shipped = ex.settings_from_args(p.parse_args(["--out", "x", "--config", str(path)]))
    ours = ex.settings_for(name)
    assert {k: getattr(ours, k) for k in keys} == {k: getattr(shipped, k) for k in keys}
    assert {c: ours.for_cell(c) for c in shipped.cells} == {c: shipped.for_cell(c) for c in shipped.cells}


def test_values_win_as_flags_and_the_waveforms_models_are_matched() -> None:
    s = ex.settings_for("clockwork-waveform", cells=["rnn_tanh", "clockwork"], seeds=1, steps=1, length=16)
    assert (s.cells, s.seeds, s.length, s.params) == (["rnn_tanh", "clockwork"], 1, 16, 1000)
    results = ex.run_experiment(s)["results"]
    assert all(800 < r["parameters"] <= 1000 for r in results.values())  # a bare Settings: hidden 100, ~10,000
    assert ex.settings_for("pixel-mnist", lr=0.003).for_cell("lstm")["lr"] == 0.003  # a value sets every cell


@pytest.mark.parametrize(("values", "message"), [
    ({"hiddne": 3}, "settings_for: unknown setting(s) hiddne; expected batch_size, cells"),
    ({"hidden": 10}, "--hidden 10: does not apply while params 1000"),
    ({"batch_size": 4}, "--batch-size 4: does not apply to clockwork-waveform"),
])
def test_a_setting_it_does_not_take_is_refused_in_one_line(values: dict[str, int], message: str) -> None:
    with pytest.raises(UserError) as err:
        ex.settings_for("clockwork-waveform", **values)
    assert str(err.value).startswith(message)
