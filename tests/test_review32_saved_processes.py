"""A resumed run refuses a damaged process count of trainer_state.json as it refuses the other damaged counts: a
"1" was said as 'a run of 1 processes, resumed with 1 process' and a "2", 0 or 1.5 sent the user to torchrun with
that many processes (review32)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from rnnkit.errors import UserError
from tests.test_mut20_trainer import damage, trainer

LOSSES = [3.0, 1.0, 1.0]


@pytest.mark.parametrize("value", ["1", "2", 0, -2, True, 1.5, None])
def test_a_process_count_that_is_no_whole_number_from_1_is_refused_as_damage(value: object, tmp_path: Path) -> None:
    out = tmp_path / "run"
    trainer(out, LOSSES, halt_at=2).fit()
    damage(out, processes=value)
    said = re.escape(f"last/trainer_state.json: not the state of a run (ValueError: processes {value!r}: expected a "
                     "whole number >= 1); resume from an undamaged run or start afresh with --overwrite")
    with pytest.raises(UserError, match=said + "$"):
        trainer(out, LOSSES, resume=True)


def test_a_whole_count_resumes_or_names_the_processes_as_before(tmp_path: Path) -> None:
    out = tmp_path / "run"
    trainer(out, LOSSES, halt_at=2).fit()
    assert trainer(out, LOSSES, resume=True).step == 2  # the count this process wrote: 1
    damage(out, processes=2)
    with pytest.raises(UserError, match=r"last: a run of 2 processes, resumed with 1 process; resume with as many "
                                        r"processes as it had \(each of its updates took 2 batches, one a process; "
                                        r"1 process would train on another batch size\) or with --accumulate 2 on 1 "
                                        r"process \(the same 2 batches an update\), or train a new run with another "
                                        r"--out$"):
        trainer(out, LOSSES, resume=True)
