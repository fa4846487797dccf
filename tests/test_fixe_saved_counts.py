"""A resumed run refuses counts of trainer_state.json that are no whole numbers: int() read a hand-edited or damaged
3.7, "3" or true as 3, 3 and 1 (the interval's items and clipped updates, the step, the tokens, the patience and
plateau counters), and the run went on from them without a word."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from rnnkit.errors import UserError
from tests.test_mut20_trainer import damage, trainer

NO_WHOLE_NUMBERS = [3.7, "3", True, 2.0]
INTERVAL = {"loss": 4.0, "items": 2, "norms": [0.5, 0.5], "clipped": 1, "seconds": 0.5}


@pytest.mark.parametrize("count", ["items", "clipped"])
@pytest.mark.parametrize("value", NO_WHOLE_NUMBERS)
def test_an_interval_count_that_is_no_whole_number_is_refused(count: str, value: object, tmp_path: Path) -> None:
    out = tmp_path / "run"
    trainer(out, [3.0, 1.0, 1.0], halt_at=2).fit()
    damage(out, interval={**INTERVAL, count: value})
    with pytest.raises(UserError, match=r"last/trainer_state.json: not the state of a run \(ValueError: interval .*"
                                        r"expected whole counts of items and clipped updates\); resume from an "
                                        r"undamaged run or start afresh with --overwrite$"):
        trainer(out, [3.0, 1.0, 1.0], resume=True)


@pytest.mark.parametrize("field", ["step", "tokens", "evals_since_best", "plateau_evals", "lr_reductions"])
@pytest.mark.parametrize("value", [*NO_WHOLE_NUMBERS, -1])
def test_a_counter_that_is_no_whole_number_is_refused(field: str, value: object, tmp_path: Path) -> None:
    out = tmp_path / "run"
    trainer(out, [3.0, 1.0, 1.0], halt_at=2).fit()
    damage(out, **{field: value})
    said = re.escape(f"not the state of a run (ValueError: {field} {value!r}: expected a whole number >= 0)")
    with pytest.raises(UserError, match=said):
        trainer(out, [3.0, 1.0, 1.0], resume=True)


def test_whole_numbers_resume_as_before(tmp_path: Path) -> None:
    out = tmp_path / "run"
    trainer(out, [3.0, 1.0, 1.0], halt_at=2).fit()
    damage(out, interval=INTERVAL, tokens=7)
    resumed = trainer(out, [3.0, 1.0, 1.0], resume=True)
    assert (resumed.interval.items, resumed.interval.clipped, resumed.tokens, resumed.step) == (2, 1, 7, 2)
