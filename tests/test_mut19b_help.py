"""The help text helper of train charlm -h (_minutes): each budget's minutes said at both planning rates, the
--layers budget its own (mutation audit round 19b)."""

from __future__ import annotations

import re

import pytest

from rnnkit.cli import main
from rnnkit.tasks._charlm_size import DEEP_MODEL_CHARS, PLANNING_RATE, PLANNING_RATE_FP32, WIDE_MODEL_CHARS


def _help(capsys: pytest.CaptureFixture[str], *command: str) -> str:
    with pytest.raises(SystemExit) as stop:
        main([*command, "-h"])
    assert stop.value.code == 0
    return re.sub(r"\s+", " ", capsys.readouterr().out)


def _flag(text: str, flag: str) -> str:
    """The help of ``flag`` alone: from its name to the next flag's."""
    return text.split(f" {flag} ", 1)[1].split(" --", 1)[0]


def test_charlm_budgets_are_said_at_both_rates(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, "train", "charlm")
    assert (PLANNING_RATE, PLANNING_RATE_FP32, WIDE_MODEL_CHARS, DEEP_MODEL_CHARS) == (40_000, 24_000, 15_000_000,
                                                                                      24_000_000)
    assert "15 M characters and more, about 6 minutes in bf16, 10 on a CPU without fast bf16" in _flag(text, "--hidden")
    assert "24 M characters and more, about 10 minutes in bf16, 17 on a CPU without fast bf16" in _flag(text,
                                                                                                       "--layers")
