"""walk54: the clockwork waveform's MSE is not called a test MSE.

A model of ``rnnkit experiment clockwork-waveform`` learns one fixed waveform and is scored on that same waveform:
there is no held-out test set. results.md, curves.png, the report page and benchmarks/experiments_report.py said
"test mse", which a student read as generalisation to unseen data; they say "waveform mse" now, and the other
experiments, scored on their test sets, keep "test mse" / "test accuracy".
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from rnnkit.report.experiments import experiment_figure
from rnnkit.tasks import experiments as ex
from rnnkit.tasks._experiment_results import write_outputs
from tests.test_mut13c_plots import drawn  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[1]


def _run(name: str, **sizes: Any) -> dict[str, Any]:
    s = ex.Settings(experiment=name, cells=["rnn_tanh"], seeds=1, steps=1, eval_every=1, **sizes)
    return ex.run_experiment(s)


def _merged(folder: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """benchmarks/experiments_report.py's table of ``folder``."""
    spec = importlib.util.spec_from_file_location("experiments_report", ROOT / "benchmarks" / "experiments_report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main([str(folder)]) == 0
    return capsys.readouterr().out


def test_the_waveform_is_scored_as_the_waveform_not_a_test_set(tmp_path: Path, drawn: list[Any],  # noqa: F811
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    doc = _run("clockwork-waveform", length=12, params=60, batch_size=1, eval_size=1)
    write_outputs(doc, tmp_path)
    header = next(line for line in (tmp_path / "results.md").read_text().splitlines() if line.startswith("| cell"))
    assert "| waveform mse (mean ± std) |" in header and "test" not in header
    assert drawn[-1].axes[0].get_ylabel() == "waveform mse"
    assert experiment_figure(doc).layout.yaxis.title.text == "waveform mse"
    assert "| waveform mse (mean ± std) |" in _merged(tmp_path, capsys)


def test_the_other_experiments_keep_their_test_sets_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = _run("adding", length=5, hidden=4, batch_size=4, eval_size=8)
    write_outputs(doc, tmp_path)
    assert "| test mse (mean ± std) |" in (tmp_path / "results.md").read_text()
    assert experiment_figure(doc).layout.yaxis.title.text == "test mse"
    assert "| test mse (mean ± std) |" in _merged(tmp_path, capsys)
