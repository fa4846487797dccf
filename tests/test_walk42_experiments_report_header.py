"""walk42: benchmarks/experiments_report.py (which docs/RESULTS.md merges runs with) headed the seeds' numbers
"seeds", so a run of one seed read "seeds | 0", as if none had run; its steps and seconds, means over the runs, were
headed as totals. Now "seed numbers", "steps / run" and "seconds / run" (results.md's words)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from rnnkit import strictjson
from rnnkit.tasks import experiments as ex

ROOT = Path(__file__).resolve().parents[1]


def test_merged_table_names_seed_numbers_and_means_per_run(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    doc = ex.run_experiment(ex.Settings(experiment="adding", cells=["rnn_tanh"], steps=1, length=4, hidden=2,
                                        batch_size=2, eval_every=1, eval_size=2, threads=1, seeds=1))
    (tmp_path / "results.json").write_text(strictjson.dumps(doc))
    spec = importlib.util.spec_from_file_location("experiments_report", ROOT / "benchmarks" / "experiments_report.py")
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    assert report.main([str(tmp_path)]) == 0
    head, _, row = capsys.readouterr().out.splitlines()[:3]
    columns = [c.strip() for c in head.strip("|").split("|")]
    values = dict(zip(columns, (c.strip() for c in row.strip("|").split("|")), strict=True))
    assert values["seed numbers"] == "0" and values["steps / run"] == "1"
    assert "seconds / run" in values and "seeds" not in values
