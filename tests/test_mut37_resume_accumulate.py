"""Mutation round 37: a run of another process count whose saved ``--accumulate`` is damaged (0, 1.5) is refused as
a damaged state, not weighed as a run that took "0 batches" an update."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.errors import UserError
from tests.test_mut20_trainer import damage, trainer


@pytest.mark.parametrize("accumulate", [0, 1.5])
def test_a_damaged_saved_accumulate_is_named(tmp_path: Path, accumulate: object) -> None:
    trainer(tmp_path, [1.0, 1.0, 1.0], halt_at=2).fit()
    damage(tmp_path, processes=2, train_config={"accumulate": accumulate})
    with pytest.raises(UserError, match=rf"trainer_state.json: not the state of a run \(ValueError: accumulate "
                                        rf"{accumulate}: expected a whole number >= 1\)"):
        trainer(tmp_path, [1.0, 1.0, 1.0], resume=True, accumulate=2)
