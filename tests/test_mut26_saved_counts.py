"""Mutation audit round 26, the counts of trainer_state.json a resumed run reads: the step of ``patience_best`` and
``ema_updates`` are refused unless whole numbers as the other counters are, a state saved before a counter existed
resumes with 0, and each counter comes back into its own attribute."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rnnkit.errors import UserError
from tests.test_mut20_trainer import damage, trainer


@pytest.mark.parametrize(("fields", "said"), [
    ({"patience_best": [1.0, 2.5]}, "patience_best step 2.5: expected a whole number >= 0"),
    ({"patience_best": [1.0, -1]}, "patience_best step -1: expected a whole number >= 0"),
    ({"ema_updates": 2.5}, "ema_updates 2.5: expected a whole number >= 0"),
    ({"ema_updates": True}, "ema_updates True: expected a whole number >= 0")])
def test_the_best_step_and_the_average_s_updates_are_whole_counts(fields: dict, said: str, tmp_path: Path) -> None:
    """int() read 2.5 as 2 and true as 1; the average's count is read later, when the run has one."""
    out = tmp_path / "run"
    trainer(out, [3.0, 1.0, 1.0], halt_at=2).fit()
    damage(out, **fields)
    with pytest.raises(UserError, match=re.escape(f"not the state of a run (ValueError: {said})")):
        trainer(out, [3.0, 1.0, 1.0], resume=True)


def test_counters_come_back_each_to_its_own_and_an_older_state_s_are_0(tmp_path: Path) -> None:
    out = tmp_path / "run"
    trainer(out, [3.0, 1.0, 1.0], halt_at=2).fit()
    damage(out, evals_since_best=1, plateau_evals=2, lr_reductions=3, tokens=4)
    resumed = trainer(out, [3.0, 1.0, 1.0], resume=True)
    assert (resumed.evals_since_best, resumed.plateau_evals, resumed.lr_reductions, resumed.tokens) == (1, 2, 3, 4)
    state = out / "last" / "trainer_state.json"
    older = {k: v for k, v in json.loads(state.read_text()).items()
             if k not in ("tokens", "evals_since_best", "plateau_evals", "lr_reductions", "ema_updates")}
    state.write_text(json.dumps(older))
    resumed = trainer(out, [3.0, 1.0, 1.0], resume=True)
    assert (resumed.evals_since_best, resumed.plateau_evals, resumed.lr_reductions, resumed.tokens) == (0, 0, 0, 0)
