"""``rnnkit.fit`` in a script under torchrun (walk44): every process said the task's own lines before training
(``classify: 361 training and 40 validation texts, ...`` twice from two processes), where ``rnnkit train`` has
rank 0 alone say them and the trainer already silenced its step lines on the other ranks."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

import rnnkit
import rnnkit.tasks


def _verbose_given(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rank: str | None) -> bool:
    """The ``verbose`` that ``rnnkit.fit("classify", ...)`` hands the task's train in torchrun's process ``rank`` of
    2 (None: no torchrun); the task's train is replaced, so no process group is joined and nothing trains."""
    for key, value in (("RANK", rank), ("WORLD_SIZE", "2" if rank is not None else None)):
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    heard: dict[str, Any] = {}

    def train(config: Any, data: Any, out: Any, **options: Any) -> None:
        heard.update(options)

    spec = dataclasses.replace(rnnkit.tasks.get_task("classify"), train=train)
    monkeypatch.setattr(rnnkit.tasks, "get_task", lambda name: spec)
    rnnkit.fit("classify", data=str(tmp_path / "r.csv"), out=tmp_path / "run", steps=1, autotune=False)
    return heard["verbose"]


def test_fit_under_torchrun_lets_rank_0_alone_say_the_task_s_lines(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    assert _verbose_given(monkeypatch, tmp_path, "0") is True
    assert _verbose_given(monkeypatch, tmp_path, "1") is False


def test_fit_in_one_process_says_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert _verbose_given(monkeypatch, tmp_path, None) is True
