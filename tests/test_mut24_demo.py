"""Mutation audit round 24 of the demo's closing evaluation budget (_closing_eval_chars): ``rnnkit demo --minutes inf``
(or nan) is refused in one line, as ``--minutes 0`` is; planning the evaluation from such a budget before the
settings were checked was an OverflowError (ValueError) traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from tests.test_fixc_demo_budget import _configs


@pytest.mark.parametrize("minutes", ["inf", "nan"])
def test_a_budget_that_is_no_number_of_minutes_is_refused_in_one_line(
        minutes: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seen = _configs(monkeypatch)
    with pytest.raises(SystemExit) as exited:  # the flag's type refuses it, as `train charlm --minutes inf` is
        main(["demo", "--minutes", minutes, "--out", str(tmp_path / "d")])
    assert exited.value.code == 2 and not seen
    assert capsys.readouterr().err == (f"rnnkit demo: error: argument --minutes: expected a finite number > 0, got "
                                       f"{minutes}; `rnnkit demo -h` for help\n")
