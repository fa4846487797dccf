"""fixa's checks of `rnnkit info`: the training time of a short run is not shown as 0 s."""

from __future__ import annotations

from typing import Any

import pytest

from rnnkit.tasks import info


@pytest.mark.parametrize(("seconds", "said"), [(0.031, "0.031 s"), (3.456, "3.5 s"), (0.004, "under 0.01 s"),
                                               (9.96, "10 s"), (125.4, "125 s"), (None, "0 s"), (0.0, "0 s")])
def test_a_short_runs_time_is_not_said_to_be_0_s(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                  seconds: float | None, said: str) -> None:
    """A run whose checkpoint holds 0.03 or 0.4 s of training was shown as 'trained 5 steps in 0 s'."""
    found: dict[str, Any] = {"path": "run/best", "task": "classify", "parameters": 10, "config": {}, "steps": 5,
                             "seconds": seconds, "tokens": None, "metric": "loss", "best_metric": None}
    monkeypatch.setattr(info, "model_info", lambda path: found)
    assert info._info_command(type("Args", (), {"dir": "run", "json": False})()) == 0
    assert f"trained          5 steps in {said}\n" in capsys.readouterr().out
