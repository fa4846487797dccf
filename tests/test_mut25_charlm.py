"""Mutation audit round 25 of charlm's model for a run (rnnkit.tasks.charlm._model): the settings ``memory`` and
``counts`` are the model's own (a run saved before either existed has none, whatever the defaults say), and the
C++ counts are built saying so only to a run that speaks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.tasks import charlm

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--threads", "1", "--no-progress",
        "--json"]


@pytest.fixture
def text(tmp_path: Path) -> Path:
    path = tmp_path / "t.txt"
    path.write_text("the cat sat on the mat. " * 20, encoding="utf-8")
    return path


def saved(out: Path) -> dict[str, Any]:
    return json.loads((out / "last" / "config.json").read_text(encoding="utf-8"))


def test_a_run_without_the_memory_records_no_counts(text: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["train", "charlm", "--data", str(text), "--out", str(out), "--steps", "1", "--no-memory", *TINY]) == 0
    assert (saved(out)["settings"]["memory"], saved(out)["settings"]["counts"]) == (False, False)


def test_a_run_saved_before_the_memory_existed_resumes_without_it(text: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["train", "charlm", "--data", str(text), "--out", str(out), "--steps", "1", "--no-memory", *TINY]) == 0
    config = saved(out)
    for key in ("memory", "counts"):
        del config["settings"][key]  # the model's arguments leave out a memory and counts of none
    (out / "last" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert main(["train", "charlm", "--resume", str(out), "--steps", "2", "--no-progress", "--json"]) == 0
    assert (saved(out)["settings"]["memory"], saved(out)["settings"]["counts"]) == (False, False)


@pytest.mark.parametrize("verbose", [True, False])
def test_the_counts_are_built_before_training_saying_so_only_when_verbose(
        text: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, verbose: bool) -> None:
    heard: list[object] = []
    monkeypatch.setattr(charlm.native, "ops", lambda say=None: heard.append(say))
    rnnkit.fit("charlm", data=str(text), out=str(tmp_path / "run"), steps=1, hidden=8, embed_dim=4, seq_len=8,
               batch_size=2, progress=False, verbose=verbose)
    assert heard and (charlm.say in heard) is verbose  # None, to a run that does not speak
