"""Gaps a mutation audit of walk42's wording and refusals found (round 36b): bench counts several rounds in the
plural too, the Hopfield hint answers 'Hopfield' in any case, and report --output refuses a results.md or a PNG only
in an experiment or diagnose directory: the same name in any other folder is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.tasks import bench
from rnnkit.tasks.diagnose import parse_cells
from tests.test_walk42_bench_wording import ROW, _first_line, _Said
from tests.test_walk42_report_results_output import _results, results_json  # noqa: F401 (a fixture)


def test_bench_counts_several_rounds_in_the_plural() -> None:
    doc = {"results": {"lstm": ROW}, "baseline": {bench.BASELINE: ROW},
           "settings": {"batch": 1, "length": 2, "input": 1, "hidden": 2, "device": "cpu", "threads": 1, "rounds": 3,
                        "torch": "x"}}
    assert bench.table(doc).splitlines()[0].endswith("; median of 3 interleaved rounds")
    with pytest.raises(_Said) as said:
        bench.bench(["lstm"], batch=1, length=2, hidden=2, input_size=1, rounds=3, log=_first_line)
    assert str(said.value) == "timing 1 cell and torch.nn.LSTM, 3 interleaved rounds"


def test_the_hopfield_hint_answers_any_case() -> None:
    with pytest.raises(UserError, match=r"unknown cell Hopfield; .*the Hopfield memory is no recurrent cell"):
        parse_cells("Hopfield")


@pytest.mark.parametrize("name", ["results.md", "radius.png"])
def test_a_result_name_outside_an_experiment_is_written(tmp_path: Path, results_json: str,  # noqa: F811
                                                        name: str) -> None:
    run = _results(tmp_path / "run", "results", results_json)
    (tmp_path / "notes").mkdir()
    assert main(["report", str(run), "--output", str(tmp_path / "notes" / name)]) == 0
    assert (tmp_path / "notes" / name).read_text().startswith("<!DOCTYPE html>")
