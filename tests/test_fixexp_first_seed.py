"""``rnnkit experiment --first-seed -1`` ran its seeds as -1, 0, ... (torch took -1 as 2**64 - 1, results.md listed
"seeds: 2 (-1, 0)"): a negative first seed is now refused in one line, as ``rnnkit data NAME --seed -1`` is, before
anything trains or ``--out`` is made; from Python too. 0 is still taken."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import SettingError
from rnnkit.tasks import experiments as ex

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--seeds", "2", "--steps", "1", "--hidden", "4", "--batch-size", "2", "--length", "5", "--eval-size", "4",
        "--cells", "gru", "--quiet", "--threads", "1"]


def test_a_negative_first_seed_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "exp"
    assert main(["experiment", "adding", *TINY, "--first-seed", "-1", "--out", str(out)]) == 2
    said = capsys.readouterr()
    assert said.out == "" and said.err.count("\n") == 1
    assert said.err.startswith("rnnkit: error: --first-seed -1: expected an integer from 0 to "), said.err
    assert not out.exists()


def test_a_settings_object_refuses_it_too() -> None:
    with pytest.raises(SettingError, match="^first_seed -1: expected an integer from 0 to "):
        ex.settings_for("adding", cells=["gru"], first_seed=-1)
    assert ex.settings_for("adding", cells=["gru"], first_seed=0).first_seed == 0


def test_first_seed_0_still_runs_seeds_0_and_1(tmp_path: Path) -> None:
    assert main(["experiment", "adding", *TINY, "--first-seed", "0", "--out", str(tmp_path / "exp")]) == 0
    assert "seeds: 2 (0, 1)" in (tmp_path / "exp" / "results.md").read_text(encoding="utf-8")
