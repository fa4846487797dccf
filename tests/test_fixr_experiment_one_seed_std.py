"""``rnnkit experiment ... --seeds 1 --json`` reported ``"std": 0.0``, read as seeds that agreed; a standard deviation
of one value is undefined, so it is now null (in results.json too), as results.md already shows no "± std" then."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.tasks.experiments import _mean_std

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_one_value_has_no_std_and_two_have_theirs() -> None:
    assert _mean_std([0.25]) == (0.25, None)
    mean, std = _mean_std([0.25, 0.75])
    assert mean == 0.5 and std is not None and math.isclose(std, math.sqrt(0.125))


def test_one_seed_prints_a_null_std(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "exp"
    assert main(["experiment", "adding", "--out", str(out), "--json", "--seeds", "1", "--steps", "1",
                 "--eval-every", "1", "--hidden", "4", "--batch-size", "4", "--quiet", "--length", "6",
                 "--eval-size", "4", "--cells", "irnn", "--threads", "1"]) == 0
    summary = json.loads(capsys.readouterr().out)["results"]["irnn"]
    assert summary["std"] is None and math.isfinite(summary["mean"])
    assert json.loads((out / "results.json").read_text(encoding="utf-8"))["results"]["irnn"]["std"] is None
    row = next(line for line in (out / "results.md").read_text(encoding="utf-8").splitlines()
               if line.startswith("| irnn "))
    assert "±" not in row and "nan" not in row
