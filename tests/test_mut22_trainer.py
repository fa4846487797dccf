"""Mutation audit round 22 of rnnkit.train.trainer: a run saved before trainer_state.json kept the interval's sums
resumes with none, as its docstring says, rather than being refused as 'not the state of a run'."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_mut20_trainer import trainer


def test_a_run_saved_before_the_interval_was_kept_resumes_with_an_empty_one(tmp_path: Path) -> None:
    out = tmp_path / "run"
    trainer(out, [3.0, 1.0, 1.0], halt_at=2).fit()
    state = out / "last" / "trainer_state.json"
    saved = json.loads(state.read_text())
    del saved["interval"]
    state.write_text(json.dumps(saved))
    resumed = trainer(out, [3.0, 1.0, 1.0], resume=True)
    interval = resumed.interval
    assert (interval.loss, interval.items, interval.norms, interval.clipped, interval.seconds) == (0.0, 0, [], 0, 0.0)
    assert resumed.fit().stopped == "steps"
