"""``rnnkit demo --minutes 0.05``: the closing evaluation reads at most the characters the budget trains on. It read
all 478,521 characters of the validation text after a budget of about 120,000, so most of a short demo was its
evaluation; a budget of 3 minutes still reads the whole validation text."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from rnnkit.tasks import charlm
from rnnkit.tasks.charlm import planned_chars
from rnnkit.tasks.demo import run_charlm_demo

#: the characters of the Shakespeare text's validation part (its last tenth), as docs/CHARLM.md gives them
VALIDATION_CHARS = 478_521


def _configs(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """``charlm.train`` replaced by one that keeps the config and trains nothing (no evaluation: the demo ends 1)."""
    seen: list[Any] = []
    monkeypatch.setattr(charlm, "train", lambda config, *a, **k: seen.append(config) or SimpleNamespace(
        best_metric=None))
    return seen


def test_a_short_budget_evaluates_on_the_characters_it_trains_on(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    seen = _configs(monkeypatch)
    assert run_charlm_demo(minutes=0.05, out=str(tmp_path / "d")) == 1
    (config,) = seen
    assert config.eval_chars == math.ceil(planned_chars(config)) <= 120_000 < VALIDATION_CHARS
    config.validate()


def test_the_default_budget_still_evaluates_on_the_whole_validation_text(monkeypatch: pytest.MonkeyPatch,
                                                                         tmp_path: Path) -> None:
    seen = _configs(monkeypatch)
    assert run_charlm_demo(minutes=3.0, out=str(tmp_path / "d")) == 1
    assert (seen[0].eval_chars == 0 or seen[0].eval_chars >= VALIDATION_CHARS) and seen[0].minutes == 3.0  # 0: all
