"""Mutation round 37: rank 0's lines under torchrun. ``rnnkit.fit(verbose=False)`` stays quiet on rank 0 too (fit
passes ``verbose and speaks()``, not ``speaks()``), and ``errors.world_size`` reads a WORLD_SIZE below 1 as one
process, as its docstring says."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

import rnnkit
from rnnkit.errors import world_size


def test_fit_quiet_on_rank_0_stays_quiet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "2")
    heard: dict[str, Any] = {}

    def train(config: Any, data: Any, out: Any, **options: Any) -> None:
        heard.update(options)

    spec = dataclasses.replace(rnnkit.tasks.get_task("classify"), train=train)
    monkeypatch.setattr(rnnkit.tasks, "get_task", lambda name: spec)
    rnnkit.fit("classify", data=str(tmp_path / "r.csv"), out=tmp_path / "run", steps=1, autotune=False, verbose=False)
    assert heard["verbose"] is False


@pytest.mark.parametrize("value", ["-3", "0", " -1 "])
def test_a_world_size_below_one_is_one_process(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("WORLD_SIZE", value)
    assert world_size() == 1
