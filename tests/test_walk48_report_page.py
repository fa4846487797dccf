"""walk48: the report page of an experiment said its table was results.md's (docs/REPORT.md) but left out the trivial
baseline (the adding problem's MSE 1/6 of answering 1: a dashed line in the figure only, its value nowhere) and each
cell's learning rate. Now both, from results.md's own helpers."""

from __future__ import annotations

import re
from pathlib import Path

from rnnkit.report.experiments import experiment_page
from rnnkit.tasks import experiments as ex


def test_the_page_gives_the_baseline_and_each_cells_lr(tmp_path: Path) -> None:
    s = ex.Settings(experiment="adding", cells=["irnn", "gru"], steps=0, length=4, hidden=2, eval_size=2, threads=1,
                    seeds=1, cell_overrides={"irnn": {"lr": 3e-4}})
    ex.write_outputs(ex.run_experiment(s), tmp_path)
    html = experiment_page(tmp_path).html()
    assert "<p>Trivial baseline (predict 1 (MSE 1/6)): 0.1667.</p>" in html
    head = re.findall(r"<th>(.*?)</th>", html)
    lr = head.index("lr") - 1  # the row's cells after its first, the cell's name
    for cell, rate in (("irnn", "0.0003"), ("gru", "0.001")):
        row = re.search(rf"<tr><td>{cell}</td>(.*?)</tr>", html)
        assert row and re.findall(r"<td>(.*?)</td>", row.group(1))[lr] == rate
