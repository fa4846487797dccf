"""A bare ``rnnkit experiment pixel-mnist`` (and ``permuted-pixel-mnist``) ran 3 cells, rnn_tanh, irnn and lstm,
where its shipped file (experiments/pixel-mnist.toml: "NAME alone runs the settings of its shipped file", the
module's docstring) lists 4, RNN + ReLU too, Le et al.'s other baseline, whose learning rate the experiment already
carried. Each bare experiment now runs the cells its shipped file lists, judged against the file read by tomllib."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import pytest

from rnnkit.tasks import experiments as ex

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("name", "config"), [
    ("adding", "adding-200"), ("copy", "copy-100"), ("clockwork-waveform", "clockwork-waveform"),
    ("row-mnist", "row-mnist"), ("pixel-mnist", "pixel-mnist"), ("permuted-pixel-mnist", "permuted-pixel-mnist")])
def test_a_bare_experiment_runs_the_cells_of_its_shipped_file(name: str, config: str) -> None:
    listed = tomllib.loads((ROOT / "experiments" / f"{config}.toml").read_text(encoding="utf-8"))["cells"]
    p = argparse.ArgumentParser()
    ex.add_arguments(p)
    bare = ex.settings_from_args(p.parse_args([name, "--out", "x"]))
    assert sorted(bare.cells) == sorted(listed)
