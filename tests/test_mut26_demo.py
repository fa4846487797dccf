"""Mutation audit round 26, the demo's checks before its banner: a folder that holds an earlier demo's run is the
demo's to write over (its --out help says 'overwritten'), not refused as a run to resume."""
from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.tasks.demo import run_charlm_demo
from tests.test_fixc_demo_budget import _configs


def test_a_second_demo_in_the_same_folder_starts_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    seen = _configs(monkeypatch)
    out = tmp_path / "d"
    for part in ("best", "last"):  # what the first demo saved
        (out / part).mkdir(parents=True)
        (out / part / "config.json").write_text('{"task": "charlm"}\n', encoding="utf-8")
    assert run_charlm_demo(minutes=0.05, out=str(out)) == 1  # the stand-in trains nothing: no evaluation
    assert len(seen) == 1 and capsys.readouterr().out.startswith("rnnkit demo: a character language model learns")
